"""Exports facegate's re-capture model: the two MiniFASNet networks of
minivision-ai/Silent-Face-Anti-Spoofing as one ONNX graph.

    /usr/bin/python3 export.py SNAPSHOT [OUT]

SNAPSHOT is a checkout (or `git archive`) of that repository at
b6d5f04ad78778917853b25c778acef6d5626d15; its model definitions
(src/model_lib/MiniFASNet.py) and weights
(resources/anti_spoof_models/*.pth) are read from there. Needs Debian's
python3-torch (1.13) and python3-onnx. OUT defaults to recapture.onnx.

The graph takes two crops of the same face (facecheck/recapture.go makes
them): `crop27`, the face's box grown 2.7 times, for MiniFASNetV2, and
`crop40`, grown 4 times, for MiniFASNetV1SE; each 1 x 3 x 80 x 80, BGR,
0..255 as they are (no scaling). Its output `probs` (2 x 3) is each
network's softmax over its three classes; class 1 is a live face.
"""
import collections
import sys

import torch

snap = sys.argv[1]
out = sys.argv[2] if len(sys.argv) > 2 else "recapture.onnx"
sys.path.insert(0, snap)
from src.model_lib.MiniFASNet import MiniFASNetV1SE, MiniFASNetV2  # noqa: E402


def load(cls, name):
    m = cls(conv6_kernel=(5, 5))
    sd = torch.load(f"{snap}/resources/anti_spoof_models/{name}.pth", map_location="cpu")
    # The weights were saved from a DataParallel wrapper: drop its prefix.
    sd = collections.OrderedDict((k[len("module."):] if k.startswith("module.") else k, v) for k, v in sd.items())
    m.load_state_dict(sd)
    return m.eval()


class Both(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.v2 = load(MiniFASNetV2, "2.7_80x80_MiniFASNetV2")
        self.v1se = load(MiniFASNetV1SE, "4_0_0_80x80_MiniFASNetV1SE")

    def forward(self, crop27, crop40):
        return torch.cat([self.v2(crop27).softmax(1), self.v1se(crop40).softmax(1)], 0)


m = Both().eval()
x = torch.full((1, 3, 80, 80), 128.0)
torch.onnx.export(m, (x, x), out, input_names=["crop27", "crop40"], output_names=["probs"], opset_version=13)
with torch.no_grad():
    print(out, "exported; grey crops read", m(x, x).tolist())
