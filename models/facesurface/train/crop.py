"""The aligned face crop exactly as facegate computes it in Go
(facecheck.alignCrop): a square around dlib's 68 points, turned so the eyes
are level, side 1.5 x the points' larger extent; a face larger than two
crops is first averaged down by a whole factor, then sampled bilinearly,
black outside the image."""
import math
import numpy as np
from PIL import Image, ImageOps

OUT = 192


def load(path):
    """a photo upright (its EXIF orientation applied), as RGB."""
    return ImageOps.exif_transpose(Image.open(path)).convert('RGB')


def roi68(lm):
    lm = np.asarray(lm, float) + 0.5  # pixel centres
    re, le = lm[36:42].mean(0), lm[42:48].mean(0)
    ang = math.atan2(le[1] - re[1], le[0] - re[0])
    ca, sa = math.cos(ang), math.sin(ang)
    # the points in the face's frame (turned by -ang)
    d = lm - lm.mean(0)
    u = d[:, 0] * ca + d[:, 1] * sa
    v = -d[:, 0] * sa + d[:, 1] * ca
    mu, mv = (u.min() + u.max()) / 2, (v.min() + v.max()) / 2
    centre = lm.mean(0) + np.array([mu * ca - mv * sa, mu * sa + mv * ca])
    side = max(u.max() - u.min(), v.max() - v.min()) * 1.5
    return centre, side, ang


def crop(im, centre, side, ang, out=OUT):
    """im: PIL RGB. Returns uint8 out x out x 3."""
    ca, sa = math.cos(ang), math.sin(ang)
    k = side / out
    f = max(1, int(k))
    # the square's corners, for the region to read
    h = side / 2
    cs = [(centre[0] + ca * x - sa * y, centre[1] + sa * x + ca * y) for x in (-h, h) for y in (-h, h)]
    x0 = max(0, int(math.floor(min(c[0] for c in cs))) - 1)
    y0 = max(0, int(math.floor(min(c[1] for c in cs))) - 1)
    x1 = min(im.width, int(math.ceil(max(c[0] for c in cs))) + 1)
    y1 = min(im.height, int(math.ceil(max(c[1] for c in cs))) + 1)
    res = np.zeros((out, out, 3), np.uint8)
    if x1 - x0 < 1 or y1 - y0 < 1:
        return res
    reg = im.crop((x0, y0, x1, y1))
    if f > 1:
        w, hh = max(1, (x1 - x0) // f), max(1, (y1 - y0) // f)
        reg = reg.crop((0, 0, w * f, hh * f)).reduce(f)
    src = np.asarray(reg, np.float32)
    H, W = src.shape[:2]
    uu, vv = np.meshgrid(np.arange(out) + 0.5, np.arange(out) + 0.5)
    a, b = (uu / out - 0.5) * side, (vv / out - 0.5) * side
    px = centre[0] + ca * a - sa * b
    py = centre[1] + sa * a + ca * b
    sx = (px - x0) / f - 0.5
    sy = (py - y0) / f - 0.5
    ix, iy = np.floor(sx).astype(int), np.floor(sy).astype(int)
    fx, fy = (sx - ix)[..., None], (sy - iy)[..., None]

    def at(x, y):
        ok = (x >= 0) & (x < W) & (y >= 0) & (y < H)
        v = src[np.clip(y, 0, H - 1), np.clip(x, 0, W - 1)]
        return v * ok[..., None]

    v = (at(ix, iy) * (1 - fx) * (1 - fy) + at(ix + 1, iy) * fx * (1 - fy) +
         at(ix, iy + 1) * (1 - fx) * fy + at(ix + 1, iy + 1) * fx * fy)
    return np.clip(np.round(v), 0, 255).astype(np.uint8)


def to_crop(lm, centre, side, ang, out=OUT):
    """image points -> crop points (pixel centres)."""
    p = np.asarray(lm, float) + 0.5 - centre
    ca, sa = math.cos(ang), math.sin(ang)
    u = p[:, 0] * ca + p[:, 1] * sa
    v = -p[:, 0] * sa + p[:, 1] * ca
    return np.stack([u, v], 1) * (out / side) + out / 2


def raster(poly, size=48, src=OUT):
    """pixels of a size x size grid whose centres are inside the polygon
    (even-odd rule), as facecheck.rasterize."""
    poly = np.asarray(poly, float) * size / src
    ys, xs = np.mgrid[0:size, 0:size] + 0.5
    inside = np.zeros((size, size), bool)
    n = len(poly)
    for i in range(n):
        x0, y0 = poly[i]
        x1, y1 = poly[(i + 1) % n]
        cond = (y0 > ys) != (y1 > ys)
        with np.errstate(divide='ignore', invalid='ignore'):
            xint = x0 + (ys - y0) * (x1 - x0) / (y1 - y0)
        inside ^= cond & (xs < xint)
    return inside.astype(np.float32)
