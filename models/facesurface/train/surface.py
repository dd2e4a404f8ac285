"""The face-surface model: MediaPipe's face landmark network (frozen) as the
backbone, and two small heads trained here: an occlusion map (48 x 48 over the
192 x 192 aligned crop: probability that a pixel is covered by something in
front of the face) and a human-face logit."""
import math
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image, ImageDraw

from ort2torch import Graph

FEATS = ['p_re_lu_5', 'p_re_lu_8', 'p_re_lu_11', 'p_re_lu_14']  # 48, 24, 12, 6 px grids


class Surface(nn.Module):
    def __init__(self, backbone_path):
        super().__init__()
        self.g = Graph(backbone_path, trainable=False)
        self.l12 = nn.Conv2d(128, 32, 1)
        self.l24 = nn.Conv2d(64, 32, 1)
        self.l48 = nn.Conv2d(32, 32, 1)
        self.m24 = nn.Sequential(nn.Conv2d(32, 32, 3, padding=1, groups=32), nn.Conv2d(32, 32, 1), nn.PReLU(32))
        self.m48 = nn.Sequential(nn.Conv2d(32, 32, 3, padding=1, groups=32), nn.Conv2d(32, 16, 1), nn.PReLU(16),
                                 nn.Conv2d(16, 1, 3, padding=1))
        self.human = nn.Sequential(nn.Linear(128 + 128, 32), nn.PReLU(32), nn.Linear(32, 1))

    def forward(self, x):
        f48, f24, f12, f6, flag = self.g(x, want=FEATS + ['conv2d_30'])
        y = F.interpolate(self.l12(f12), scale_factor=2, mode='bilinear', align_corners=False) + self.l24(f24)
        y = self.m24(F.relu(y))
        y = F.interpolate(y, scale_factor=2, mode='bilinear', align_corners=False) + self.l48(f48)
        occ = self.m48(F.relu(y))  # logits, 1 x 48 x 48
        h = torch.cat([f12.mean((2, 3)), f6.mean((2, 3))], 1)
        return occ, self.human(h), flag.reshape(-1, 1)


# Regions of the face, from dlib's 68 points in the crop's frame.
def _scaled(p, k):
    c = p.mean(0)
    return c + (p - c) * k


def regions(lm):
    """polygons (in crop pixels) of: right eye, left eye, nose, mouth, forehead, face."""
    lm = np.asarray(lm, float)
    re, le = lm[36:42].mean(0), lm[42:48].mean(0)
    ipd = np.linalg.norm(le - re)
    up = np.array([0.0, -1.0])
    out = {}
    out['eye_r'] = _scaled(lm[36:42], 1.7)
    out['eye_l'] = _scaled(lm[42:48], 1.7)
    out['nose'] = _scaled(lm[[27, 31, 32, 33, 34, 35]], 1.15)
    out['mouth'] = _scaled(lm[48:60], 1.15)
    brows = lm[17:27]
    out['forehead'] = np.concatenate([brows + up * 0.12 * ipd, (brows + up * 0.6 * ipd)[::-1]])
    out['lower'] = np.concatenate([lm[2:15], [[lm[14][0], lm[29][1]], [lm[2][0], lm[29][1]]]])
    jaw = lm[0:17]
    out['face'] = np.concatenate([jaw, (brows + up * 0.6 * ipd)[::-1]])
    return out


REGIONS = ['eye_r', 'eye_l', 'nose', 'mouth', 'forehead', 'lower', 'face']


from crop import raster
