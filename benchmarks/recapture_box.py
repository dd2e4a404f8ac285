"""Measures where the re-capture networks' own face detector puts its box
against dlib's 68 landmarks, for facecheck.RecaptureBox's constants.

    facegate check --json --landmarks PHOTOS... | /usr/bin/python3 benchmarks/recapture_box.py SNAPSHOT

SNAPSHOT is a `git archive` of minivision-ai/Silent-Face-Anti-Spoofing at
b6d5f04ad78778917853b25c778acef6d5626d15 (its RetinaFace detector in
resources/detection_model, its networks and weights). Needs Debian's
python3-opencv (the detector runs on OpenCV's dnn module, as in the
repository) and python3-torch. For every photo with a face it runs the
repository's detector and reads the box relative to the bounding box of
the largest face's landmarks (centre offsets and size as shares of the
landmarks' width and height), and prints the medians of the tune half
and of the held-out half (photos split by the SHA-256 of their base
name, as benchmarks/recapture.sh splits them). Then it scores every photo
with the networks both ways, the detector's box and the landmarks' box
with the tune half's constants, and prints how far apart the two scores
are. Photos whose detector box does not sit on the landmarks (another
face) are left out.
"""
import collections
import hashlib
import json
import math
import sys

import cv2
import numpy as np
import torch

snap = sys.argv[1]
sys.path.insert(0, snap)
from src.model_lib.MiniFASNet import MiniFASNetV1SE, MiniFASNetV2  # noqa: E402

det = cv2.dnn.readNetFromCaffe(f"{snap}/resources/detection_model/deploy.prototxt",
                               f"{snap}/resources/detection_model/Widerface-RetinaFace.caffemodel")
nets = []
for name, cls, scale in [("2.7_80x80_MiniFASNetV2", MiniFASNetV2, 2.7), ("4_0_0_80x80_MiniFASNetV1SE", MiniFASNetV1SE, 4.0)]:
    m = cls(conv6_kernel=(5, 5))
    sd = torch.load(f"{snap}/resources/anti_spoof_models/{name}.pth", map_location="cpu")
    m.load_state_dict(collections.OrderedDict((k[7:] if k.startswith("module.") else k, v) for k, v in sd.items()))
    nets.append((m.eval(), scale))


def detector_box(img):
    # The repository's Detection.get_bbox: the photo scaled to about
    # 192 x 192 pixels, the most confident face.
    h, w = img.shape[:2]
    a = w / h
    small = img
    if w * h >= 192 * 192:
        small = cv2.resize(img, (int(192 * math.sqrt(a)), int(192 / math.sqrt(a))), interpolation=cv2.INTER_LINEAR)
    det.setInput(cv2.dnn.blobFromImage(small, 1, mean=(104, 117, 123)), "data")
    out = det.forward("detection_out").squeeze()
    i = np.argmax(out[:, 2])
    l, t, r, b = out[i, 3] * w, out[i, 4] * h, out[i, 5] * w, out[i, 6] * h
    return [int(l), int(t), int(r - l + 1), int(b - t + 1)]


def crop_box(sw, sh, box, scale):
    # The repository's CropImage._get_new_box.
    x, y, bw, bh = box
    scale = min((sh - 1) / bh, min((sw - 1) / bw, scale))
    nw, nh = bw * scale, bh * scale
    cx, cy = bw / 2 + x, bh / 2 + y
    l, t, r, b = cx - nw / 2, cy - nh / 2, cx + nw / 2, cy + nh / 2
    if l < 0:
        r -= l
        l = 0
    if t < 0:
        b -= t
        t = 0
    if r > sw - 1:
        l -= r - sw + 1
        r = sw - 1
    if b > sh - 1:
        t -= b - sh + 1
        b = sh - 1
    return int(l), int(t), int(r), int(b)


def live(img, box):
    h, w = img.shape[:2]
    s = 0.0
    for m, scale in nets:
        l, t, r, b = crop_box(w, h, box, scale)
        p = cv2.resize(img[t:b + 1, l:r + 1], (80, 80)).astype(np.float32)
        with torch.no_grad():
            s += float(m(torch.from_numpy(p.transpose(2, 0, 1).copy())[None]).softmax(1)[0, 1])
    return s / len(nets)


rows = []
for line in sys.stdin:
    r = json.loads(line)
    if not r.get("faces") or len(r["faces"][0].get("landmarks") or []) != 68:
        continue
    img = cv2.imread(r["path"])  # BGR, EXIF orientation applied as facegate does
    lm = np.array(max(r["faces"], key=lambda f: f["size"])["landmarks"], float)
    x0, y0 = lm.min(0)
    x1, y1 = lm.max(0)
    W, H = x1 - x0, y1 - y0
    bx, by, bw, bh = detector_box(img)
    cx, cy = bx + bw / 2, by + bh / 2
    if not (x0 < cx < x1 and y0 < cy < y1):
        print("left out (the detector's box is another face):", r["path"], file=sys.stderr)
        continue
    held = int(hashlib.sha256(r["path"].split("/")[-1].encode()).hexdigest()[-1], 16) % 2 == 1
    rows.append(dict(path=r["path"], img=img, held=held, box=[bx, by, bw, bh], lm=(x0, y0, W, H),
                     rel=[(cx - (x0 + x1) / 2) / W, (cy - (y0 + y1) / 2) / H, bw / W, bh / H]))

for name, held in [("tune", False), ("held out", True)]:
    rel = np.array([r["rel"] for r in rows if r["held"] == held])
    print(f"{name}: {len(rel)} photos; medians: centre x {np.median(rel[:, 0]):+.3f} W, centre y {np.median(rel[:, 1]):+.3f} H, "
          f"width {np.median(rel[:, 2]):.3f} W, height {np.median(rel[:, 3]):.3f} H")
dx, dy, kw, kh = np.median(np.array([r["rel"] for r in rows if not r["held"]]), 0)
diff = []
for r in rows:
    x0, y0, W, H = r["lm"]
    w, h = kw * W, kh * H
    cx, cy = x0 + W / 2 + dx * W, y0 + H / 2 + dy * H
    diff.append(live(r["img"], [cx - w / 2, cy - h / 2, w, h]) - live(r["img"], r["box"]))
diff = np.abs(np.array(diff))
print(f"live score, the landmarks' box against the detector's, {len(diff)} photos: median difference {np.median(diff):.3f}, "
      f"over 0.2 for {(diff > 0.2).sum()}")
