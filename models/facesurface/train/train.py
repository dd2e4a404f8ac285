"""Train the face-surface heads on aligned crops (prep.py), with synthetic
occluders on clear faces, weak region labels on real masks and sunglasses,
and animals as non-faces. Held out: every face whose source path hashes to
0 mod 4 (and every pet photo likewise), never seen in training."""
import hashlib, math, os, sys, time
import numpy as np
from PIL import Image
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import Dataset, DataLoader

from surface import Surface, regions, raster, REGIONS
from occluders import occlude

torch.set_num_threads(2)


def held_out(path):
    return int(hashlib.sha256(os.path.basename(path).encode()).hexdigest(), 16) % 4 == 0


def load_sets():
    """rows: (img, lm, kind, human) with kind in clear/mask/sun/pet."""
    rows = {'train': [], 'test': []}
    for name, kind in [('nomask', 'clear'), ('corpus', 'clear'), ('mask', 'mask'), ('sun', 'sun')]:
        d = dict(np.load('crops/%s.npz' % name))
        for i in range(len(d['img'])):
            part = 'test' if held_out(d['path'][i]) else 'train'
            # a second face in a photo of one class is not always of that class
            if kind in ('mask', 'sun') and d['idx'][i] > 0:
                continue
            # a face read turned (its landmarks fitted wrong) says nothing of its regions
            k = kind if abs(d['roll'][i]) < 60 or kind == 'clear' else 'human-only'
            rows[part].append((d['img'][i], d['lm'][i], k, 1, name, str(d['path'][i])))
    # Pet photos: the faces found in them are animals', but for the people
    # listed in people.txt (folder/photo#face, by looking at them).
    people = set(open(os.path.join(os.path.dirname(__file__), 'people.txt')).read().split())
    d = dict(np.load('crops/pets.npz'))
    for i in range(len(d['img'])):
        key = '%s/%s#%d' % (d['path'][i].split('/')[-2], os.path.basename(d['path'][i]), int(d['idx'][i]))
        human = 1 if key in people else 0
        part = 'test' if held_out(d['path'][i]) else 'train'
        rows[part].append((d['img'][i], d['lm'][i], 'clear' if human else 'pet', human, 'pets', str(d['path'][i])))
    return rows


# What each kind says about the regions: 1 covered, 0 visible, -1 unknown.
WEAK = {
    'clear': {'eye_r': 0, 'eye_l': 0, 'nose': 0, 'mouth': 0, 'forehead': -1, 'lower': 0, 'face': -1},
    # a mask covers most of the face below the nose's middle
    'mask': {'eye_r': 0, 'eye_l': 0, 'nose': -1, 'mouth': 1, 'forehead': -1, 'lower': 0.85, 'face': -1},
    'sun': {'eye_r': 1, 'eye_l': 1, 'nose': -1, 'mouth': 0, 'forehead': -1, 'lower': 0, 'face': -1},
    'pet': {r: -1 for r in REGIONS},
    'human-only': {r: -1 for r in REGIONS},
}


class Faces(Dataset):
    def __init__(self, rows, train, sources):
        self.rows, self.train, self.sources = rows, train, sources

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        img, lm, kind, human, _, _ = self.rows[i]
        rng = np.random.default_rng((i * 7919 + int(time.time() * 1e6)) % 2**32) if self.train else np.random.default_rng(i)
        img = img.astype(np.float32)
        lm = lm.copy()
        pix = np.zeros((192, 192), bool)
        synth = False
        turned = False
        if self.train:
            if rng.random() < 0.5:  # mirror: the eyes swap
                img = img[:, ::-1].copy()
                lm[:, 0] = 192 - lm[:, 0]
                perm = list(range(16, -1, -1)) + list(range(26, 16, -1)) + list(range(27, 31)) + list(range(35, 30, -1)) + \
                    [45, 44, 43, 42, 47, 46, 39, 38, 37, 36, 41, 40] + [54, 53, 52, 51, 50, 49, 48, 59, 58, 57, 56, 55] + \
                    [64, 63, 62, 61, 60, 67, 66, 65]
                lm = lm[perm]
            if kind == 'clear' and human and rng.random() < 0.6:
                src = self.sources[rng.integers(len(self.sources))]
                img, pix = occlude(img, lm, rng, src)
                synth = True
            if rng.random() < 0.3:  # fewer pixels: a small or soft face
                f = rng.uniform(2, 5)
                small = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).resize((int(192 / f), int(192 / f)), Image.BILINEAR)
                img = np.asarray(small.resize((192, 192), Image.BILINEAR), np.float32)
            if rng.random() < 0.15:  # a face read turned: the human head must still see a person
                q = int(rng.integers(1, 4))
                img = np.rot90(img, q).copy()
                pix = np.rot90(pix, q).copy()
                for _ in range(q):
                    lm = np.stack([lm[:, 1], 192 - lm[:, 0]], 1)
                turned = True
            # colour and light
            img = img * rng.uniform(0.6, 1.3) + rng.uniform(-25, 25)
            img = img * (1 + rng.uniform(-0.1, 0.1, 3))
            if rng.random() < 0.3:
                g = img.mean(2, keepdims=True)
                img = np.repeat(g, 3, 2)
        img = np.clip(img, 0, 255) / 255.0
        regs = regions(lm)
        rmask = np.stack([raster(regs[r]) for r in REGIONS])
        weak = np.array([WEAK[kind][r] for r in REGIONS], np.float32)
        if self.train and turned:
            weak[:] = -1  # the forehead band and the face outline assume an upright face
        pix48 = pix.reshape(48, 4, 48, 4).mean((1, 3)).astype(np.float32)
        x = torch.from_numpy(img.transpose(2, 0, 1).astype(np.float32).copy())
        return x, torch.from_numpy(pix48[None]), float(synth), float(not (self.train and turned)), torch.from_numpy(rmask), torch.from_numpy(weak), float(human), kind


def region_share(prob, rmask):
    """mean covered probability in each region: prob B x 1 x 48 x 48, rmask B x R x 48 x 48."""
    return (prob * rmask).sum((2, 3)) / rmask.sum((2, 3)).clamp(min=1)


def train(epochs=16, out='surface.pt'):
    rows = load_sets()
    sources = [r[0] for r in rows['train']]
    ds = Faces(rows['train'], True, sources)
    # balance: pets are few
    w = np.array([4.0 if r[2] == "pet" else 1.0 for r in rows['train']])
    sampler = torch.utils.data.WeightedRandomSampler(w, len(w), replacement=True)
    dl = DataLoader(ds, batch_size=32, sampler=sampler, num_workers=2, persistent_workers=True)
    model = Surface('face_landmark.onnx')
    params = [p for n, p in model.named_parameters() if not n.startswith('g.')]
    opt = torch.optim.AdamW(params, lr=3e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=epochs * len(dl))
    for ep in range(epochs):
        model.train()
        t0, tot, n = time.time(), 0.0, 0
        for x, pix, synth, regok, rmask, weak, human, kind in dl:
            occ, hl, _ = model(x)
            prob = torch.sigmoid(occ)
            synth = synth.float()
            # pixels: synthetic occluders give them
            face = rmask[:, REGIONS.index('face'):REGIONS.index('face') + 1]
            lp = F.binary_cross_entropy_with_logits(occ, (pix > 0.5).float(), reduction='none')
            lp = (lp.mean((1, 2, 3)) * synth).sum() / synth.sum().clamp(min=1)
            # regions: what the synthetic mask covers, or the real set's weak label
            share = region_share(prob, rmask).clamp(1e-4, 1 - 1e-4)
            tgt = torch.where(synth[:, None] > 0, region_share(pix, rmask), weak)
            known = (tgt >= 0).float() * regok.float()[:, None]
            known[:, REGIONS.index('face')] *= synth  # the whole face only where drawn
            lr = -(tgt.clamp(min=0) * share.log() + (1 - tgt.clamp(min=0)) * (1 - share).log())
            lr = (lr * known).sum() / known.sum().clamp(min=1)
            # a covered person is a person: masks and sunglasses weigh double
            hw = torch.tensor([2.0 if k in ('mask', 'sun', 'human-only') else 1.0 for k in kind])
            lh = (F.binary_cross_entropy_with_logits(hl.squeeze(1), human.float(), reduction='none') * hw).mean()
            loss = lp + lr + lh
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            tot += loss.item() * len(x)
            n += len(x)
        print('epoch %d loss %.4f %.0fs' % (ep, tot / n, time.time() - t0), flush=True)
        torch.save({k: v for k, v in model.state_dict().items() if not k.startswith('g.')}, out)
    return model


if __name__ == '__main__':
    train(int(sys.argv[1]) if len(sys.argv) > 1 else 16)
