import sys, numpy as np, torch, collections
from train import load_sets, Faces, region_share
from surface import Surface, REGIONS
torch.set_num_threads(2)

m = Surface('face_landmark.onnx')
m.load_state_dict(torch.load(sys.argv[1] if len(sys.argv) > 1 else 'surface.pt'), strict=False)
m.eval()
rows = load_sets()['test']
ds = Faces(rows, False, None)
res = []
with torch.no_grad():
    for s in range(0, len(ds), 64):
        b = [ds[i] for i in range(s, min(len(ds), s + 64))]
        x = torch.stack([t[0] for t in b]); rm = torch.stack([t[4] for t in b])
        occ, h, fl = m(x)
        sh = region_share((torch.sigmoid(occ) > 0.5).float(), rm)
        for j, t in enumerate(b):
            r = rows[s + j]
            res.append(dict(set=r[4], kind=r[2], human=r[3], path=r[5], share=sh[j].numpy(),
                            hp=torch.sigmoid(h[j]).item(), flag=torch.sigmoid(fl[j]).item()))
np.save('/tmp/evalres.npy', res, allow_pickle=True)
E = lambda r: max(r['share'][0], r['share'][1])
L = lambda r: max(r['share'][2], r['share'][3], r['share'][5])
FH = lambda r: r['share'][4]
for T in (0.3, 0.4, 0.5, 0.6):
    print('--- threshold', T)
    by = collections.defaultdict(list)
    for r in res:
        by[(r['set'], r['kind'])].append(r)
    for k, rs in sorted(by.items()):
        n = len(rs)
        print('%-16s n=%4d eyes %4d  nose/mouth %4d  forehead %4d  any %4d  not-human(0.5) %4d' % (
            k, n, sum(E(r) > T for r in rs), sum(L(r) > T for r in rs), sum(FH(r) > T for r in rs),
            sum(max(E(r), L(r)) > T for r in rs), sum(r['hp'] < 0.5 for r in rs)))
