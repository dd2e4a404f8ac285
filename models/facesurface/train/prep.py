"""prep.py NAME JSONL...: aligned 192 px crops of every face facegate found
(records of facegate check --json --landmarks --all-faces), with its 68
landmarks in the crop's frame and its roll, into crops/NAME.npz."""
import json, sys, math, numpy as np, hashlib
from multiprocessing import Pool
from crop import load, roi68, crop, to_crop

def faces_of(line):
    r = json.loads(line)
    out = []
    # faces, and detections facegate set aside as not a person's (animals)
    fs = [f for f in (r.get('faces') or []) + (r.get('not_faces') or []) if len(f.get('landmarks') or []) == 68]
    if not fs: return out
    try: im = load(r['path'])
    except Exception: return out
    for i, f in enumerate(fs):
        c, s, a = roi68(f['landmarks'])
        cr = crop(im, c, s, a)
        lm = to_crop(f['landmarks'], c, s, a)
        out.append((cr, lm.astype(np.float32), r['path'], i, f['size'], f['roll']))
    return out

if __name__ == '__main__':
    name = sys.argv[1]
    lines = [l for p in sys.argv[2:] for l in open(p)]
    with Pool(2) as p:
        res = [x for xs in p.map(faces_of, lines, chunksize=8) for x in xs]
    np.savez_compressed('crops/%s.npz' % name, img=np.stack([x[0] for x in res]), lm=np.stack([x[1] for x in res]),
                        path=np.array([x[2] for x in res]), idx=np.array([x[3] for x in res]), size=np.array([x[4] for x in res]), roll=np.array([x[5] for x in res]))
    print(name, len(res))
