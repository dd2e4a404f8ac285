"""Synthetic things in front of a face, drawn over an aligned crop with the
pixels they cover: dark or mirrored lenses, masks and scarves, hands and
objects (patches of other photos), hair. Each returns the new crop and the
covered mask (192 x 192, 0/1)."""
import math
import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def _ellipse(draw, c, rx, ry, fill):
    draw.ellipse([c[0] - rx, c[1] - ry, c[0] + rx, c[1] + ry], fill=fill)


def _alpha_paste(img, layer, alpha):
    """img, layer: float32 HxWx3; alpha: HxW in 0..1."""
    a = alpha[..., None]
    return img * (1 - a) + layer * a


def lenses(img, lm, rng):
    lm = np.asarray(lm)
    re, le = lm[36:42].mean(0), lm[42:48].mean(0)
    ipd = np.linalg.norm(le - re)
    shape = Image.new('L', (192, 192), 0)
    d = ImageDraw.Draw(shape)
    rx = ipd * rng.uniform(0.36, 0.5)
    ry = ipd * rng.uniform(0.26, 0.42)
    dy = ipd * rng.uniform(-0.05, 0.12)
    for c in (re, le):
        if rng.random() < 0.5:
            _ellipse(d, (c[0], c[1] + dy), rx, ry, 255)
        else:
            d.rounded_rectangle([c[0] - rx, c[1] + dy - ry, c[0] + rx, c[1] + dy + ry], radius=ry * rng.uniform(0.2, 0.9), fill=255)
    # the bridge
    mid = (re + le) / 2
    d.line([(re[0] + rx * 0.8, re[1] + dy - ry * 0.5), (le[0] - rx * 0.8, le[1] + dy - ry * 0.5)], fill=255, width=max(1, int(ipd * 0.05)))
    cover = np.asarray(shape, np.float32) / 255
    kind = rng.random()
    if kind < 0.6:  # dark lenses, a little tinted, with a gradient
        base = rng.uniform(5, 70) * np.ones(3) + rng.uniform(-15, 15, 3)
        layer = np.ones((192, 192, 3), np.float32) * base
        grad = np.linspace(rng.uniform(-25, 0), rng.uniform(0, 35), 192)[:, None, None]
        layer = layer + grad
    elif kind < 0.85:  # mirrored: a saturated colour
        base = rng.uniform(0, 255, 3)
        base[rng.integers(3)] = rng.uniform(0, 60)
        layer = np.ones((192, 192, 3), np.float32) * base
        layer = layer + np.linspace(-40, 40, 192)[None, :, None] * rng.choice([-1, 1])
    else:  # the reflection of a scene: a blurred, darkened patch of the photo itself
        sh = rng.integers(-60, 60, 2)
        layer = np.roll(img, tuple(sh), axis=(0, 1)) * rng.uniform(0.2, 0.6)
    layer = np.clip(layer, 0, 255)
    alpha = cover * rng.uniform(0.85, 1.0)
    out = _alpha_paste(img, layer, alpha)
    # a highlight
    if rng.random() < 0.5:
        hl = Image.new('L', (192, 192), 0)
        c = re if rng.random() < 0.5 else le
        _ellipse(ImageDraw.Draw(hl), (c[0] - rx * 0.3, c[1] + dy - ry * 0.3), rx * 0.25, ry * 0.15, 255)
        h = np.asarray(hl.filter(ImageFilter.GaussianBlur(2)), np.float32) / 255 * cover
        out = _alpha_paste(out, np.full_like(out, 255), h * rng.uniform(0.3, 0.8))
    # a frame
    frame = Image.new('L', (192, 192), 0)
    fd = ImageDraw.Draw(frame)
    w = max(1, int(ipd * rng.uniform(0.02, 0.07)))
    for c in (re, le):
        fd.ellipse([c[0] - rx, c[1] + dy - ry, c[0] + rx, c[1] + dy + ry], outline=255, width=w)
    fa = np.asarray(frame, np.float32) / 255
    out = _alpha_paste(out, np.full_like(out, rng.uniform(0, 80)), fa)
    return out, np.maximum(cover, fa) > 0.5


def mask(img, lm, rng):
    lm = np.asarray(lm)
    nose_y = lm[27:31, 1]
    top = nose_y[rng.integers(1, 4)] + rng.uniform(-3, 3)
    jaw = lm[1:16].copy()
    jaw[:, 1] += rng.uniform(2, 10)
    jaw[:, 0] += np.sign(jaw[:, 0] - lm[30, 0]) * rng.uniform(0, 6)
    poly = [(jaw[0, 0], top + (jaw[0, 1] - top) * 0.25)] + [tuple(p) for p in jaw] + [(jaw[-1, 0], top + (jaw[-1, 1] - top) * 0.25)]
    poly.append((lm[30, 0] + (jaw[-1, 0] - lm[30, 0]) * 0.3, top))
    poly.append((lm[30, 0] + (jaw[0, 0] - lm[30, 0]) * 0.3, top))
    shape = Image.new('L', (192, 192), 0)
    ImageDraw.Draw(shape).polygon(poly, fill=255)
    cover = np.asarray(shape, np.float32) / 255
    kind = rng.random()
    if kind < 0.45:
        base = rng.choice([[235, 240, 245], [170, 205, 235], [30, 30, 35], [120, 190, 230], [250, 250, 250]]) + rng.uniform(-20, 20, 3)
    elif kind < 0.8:
        base = rng.uniform(0, 255, 3)
    else:
        base = None
    if base is not None:
        layer = np.ones((192, 192, 3), np.float32) * base
        # folds: horizontal shading bands
        ys = np.arange(192)[:, None, None]
        layer = layer * (1 + 0.08 * np.sin(ys / rng.uniform(3, 8)))
        layer = layer + np.linspace(rng.uniform(-30, 0), rng.uniform(0, 20), 192)[None, :, None]
    else:  # patterned cloth: a patch of another photo
        sh = rng.integers(-90, 90, 2)
        layer = np.roll(img, tuple(sh), axis=(0, 1))[:, ::-1]
    out = _alpha_paste(img, np.clip(layer, 0, 255), cover)
    return out, cover > 0.5


def patch(img, lm, rng, source):
    """a hand, a phone, a cup: a patch of another photo in a rounded or
    finger-like shape, over a random part of the face."""
    lm = np.asarray(lm)
    re, le = lm[36:42].mean(0), lm[42:48].mean(0)
    ipd = np.linalg.norm(le - re)
    target = rng.choice(['eye', 'mouth', 'nose', 'forehead', 'cheek', 'lower'])
    c = {'eye': re if rng.random() < 0.5 else le, 'mouth': lm[48:60].mean(0), 'nose': lm[30],
         'forehead': lm[17:27].mean(0) - [0, 0.35 * ipd], 'cheek': lm[[2, 14][rng.integers(2)]],
         'lower': lm[57]}[target] + rng.normal(0, 0.15 * ipd, 2)
    shape = Image.new('L', (192, 192), 0)
    d = ImageDraw.Draw(shape)
    if rng.random() < 0.5:  # fingers: parallel rounded bars
        n = rng.integers(1, 5)
        ang = rng.uniform(-math.pi, math.pi)
        wd = ipd * rng.uniform(0.22, 0.35)
        ln = ipd * rng.uniform(0.8, 2.2)
        dx, dy = math.cos(ang), math.sin(ang)
        for k in range(n):
            off = (k - (n - 1) / 2) * wd * 1.05
            p0 = c + np.array([-dy, dx]) * off
            p1 = p0 + np.array([dx, dy]) * ln
            d.line([tuple(p0), tuple(p1)], fill=255, width=int(wd))
            _ellipse(d, p1, wd / 2, wd / 2, 255)
        # the palm behind them
        if rng.random() < 0.7:
            _ellipse(d, c - np.array([dx, dy]) * ipd * 0.5, ipd * 0.7, ipd * 0.7, 255)
    else:
        rx, ry = ipd * rng.uniform(0.3, 1.0), ipd * rng.uniform(0.3, 1.0)
        if rng.random() < 0.5:
            _ellipse(d, c, rx, ry, 255)
        else:
            d.rounded_rectangle([c[0] - rx, c[1] - ry, c[0] + rx, c[1] + ry], radius=min(rx, ry) * 0.3, fill=255)
    cover = np.asarray(shape.filter(ImageFilter.GaussianBlur(0.7)), np.float32) / 255
    layer = source.astype(np.float32)
    if rng.random() < 0.5:
        layer = layer[::-1] if rng.random() < 0.5 else layer[:, ::-1]
    if rng.random() < 0.3:  # a plain object
        layer = np.ones_like(layer) * rng.uniform(0, 255, 3)
    out = _alpha_paste(img, layer, cover)
    # a soft shadow next to it
    return out, cover > 0.5


def hair(img, lm, rng, source):
    """a strand or fringe of hair over the forehead and an eye: dark curved
    bands with the texture of another photo's top rows."""
    lm = np.asarray(lm)
    re, le = lm[36:42].mean(0), lm[42:48].mean(0)
    ipd = np.linalg.norm(le - re)
    shape = Image.new('L', (192, 192), 0)
    d = ImageDraw.Draw(shape)
    top = lm[17:27, 1].min() - ipd * 0.7
    side = rng.choice([-1, 1])
    x0 = (re[0] + le[0]) / 2 + side * ipd * rng.uniform(-0.2, 0.9)
    depth = rng.uniform(0.3, 1.3) * ipd  # how far down it reaches below the brows
    bottom = lm[17:27, 1].mean() + depth
    w = ipd * rng.uniform(0.4, 1.2)
    poly = [(x0 - w, top), (x0 + w, top), (x0 + w * 0.3 - side * w * 0.4, bottom), (x0 - w * 0.2 - side * w * 0.6, bottom - ipd * 0.2)]
    d.polygon(poly, fill=255)
    cover = np.asarray(shape.filter(ImageFilter.GaussianBlur(1.0)), np.float32) / 255
    tone = rng.uniform(10, 120) * np.ones(3) * np.array([1.0, rng.uniform(0.8, 1.0), rng.uniform(0.6, 1.0)])
    xs = np.arange(192)[None, :, None]
    layer = tone * (1 + 0.25 * np.sin(xs / rng.uniform(1.5, 4))) * np.ones((192, 192, 3))
    out = _alpha_paste(img, np.clip(layer, 0, 255), cover)
    return out, cover > 0.5


def clear_glasses(img, lm, rng):
    """spectacles that hide nothing: frames, perhaps a faint tint or a
    small reflection. Nothing is covered."""
    lm = np.asarray(lm)
    re, le = lm[36:42].mean(0), lm[42:48].mean(0)
    ipd = np.linalg.norm(le - re)
    rx = ipd * rng.uniform(0.36, 0.55)
    ry = ipd * rng.uniform(0.26, 0.45)
    dy = ipd * rng.uniform(-0.05, 0.1)
    frame = Image.new('L', (192, 192), 0)
    fill = Image.new('L', (192, 192), 0)
    fd, ld = ImageDraw.Draw(frame), ImageDraw.Draw(fill)
    # thin metal rims, or heavy acetate frames (which hide nothing either)
    w = max(1, int(ipd * (rng.uniform(0.02, 0.06) if rng.random() < 0.5 else rng.uniform(0.06, 0.16))))
    rect = rng.random() < 0.5
    for c in (re, le):
        box = [c[0] - rx, c[1] + dy - ry, c[0] + rx, c[1] + dy + ry]
        if rect:
            fd.rounded_rectangle(box, radius=ry * 0.4, outline=255, width=w)
            ld.rounded_rectangle(box, radius=ry * 0.4, fill=255)
        else:
            fd.ellipse(box, outline=255, width=w)
            ld.ellipse(box, fill=255)
    fd.line([(re[0] + rx, re[1] + dy - ry * 0.3), (le[0] - rx, le[1] + dy - ry * 0.3)], fill=255, width=w)
    out = img
    tint = np.asarray(fill, np.float32) / 255 * rng.uniform(0, 0.25)
    out = _alpha_paste(out, np.full_like(out, rng.uniform(0, 120)), tint)
    if rng.random() < 0.3:  # a reflection streak
        st = Image.new('L', (192, 192), 0)
        c = re if rng.random() < 0.5 else le
        ImageDraw.Draw(st).line([(c[0] - rx * 0.6, c[1] + dy + ry * 0.5), (c[0] + rx * 0.2, c[1] + dy - ry * 0.6)], fill=255, width=max(1, int(ipd * 0.08)))
        a = np.asarray(st.filter(ImageFilter.GaussianBlur(2)), np.float32) / 255 * rng.uniform(0.2, 0.5)
        out = _alpha_paste(out, np.full_like(out, 255), a)
    col = rng.choice([[10, 10, 10], [60, 40, 30], [200, 180, 120], [150, 150, 160]]) + rng.uniform(-10, 10, 3)
    out = _alpha_paste(out, np.ones_like(out) * col, np.asarray(frame, np.float32) / 255)
    return out, np.zeros((192, 192), bool)


def occlude(img, lm, rng, source):
    """one random occluder, or none; img float32 HxWx3."""
    k = rng.random()
    if k < 0.22:
        return lenses(img, lm, rng)
    if k < 0.42:
        return mask(img, lm, rng)
    if k < 0.64:
        return patch(img, lm, rng, source)
    if k < 0.72:
        return hair(img, lm, rng, source)
    if k < 0.92:
        return clear_glasses(img, lm, rng)
    return img, np.zeros((192, 192), bool)
