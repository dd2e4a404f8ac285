"""export.py HEADS.pt OUT.onnx: the face-surface model as one ONNX graph:
input "crop" (1x3x192x192 RGB in 0..1), outputs "occluded" (1x1x48x48
probabilities), "human" and "presence" (1x1 probabilities)."""
import sys, torch, onnx
from surface import Surface

class Export(torch.nn.Module):
    def __init__(self, m):
        super().__init__(); self.m = m
    def forward(self, crop):
        occ, h, flag = self.m(crop)
        return torch.sigmoid(occ), torch.sigmoid(h), torch.sigmoid(flag)

m = Surface('face_landmark.onnx')
missing, unexpected = m.load_state_dict(torch.load(sys.argv[1]), strict=False)
assert not unexpected and all(k.startswith('g.') for k in missing), (missing, unexpected)
m.eval()
x = torch.rand(1, 3, 192, 192)
torch.onnx.export(Export(m), x, sys.argv[2], input_names=['crop'], output_names=['occluded', 'human', 'presence'],
                  opset_version=13, do_constant_folding=True)
g = onnx.load(sys.argv[2]); onnx.checker.check_model(g)
g.producer_name = 'facegate'; g.doc_string = 'facegate face-surface model: MediaPipe face landmark backbone (Apache-2.0) with occlusion and human-face heads'
onnx.save(g, sys.argv[2])
import collections; print(collections.Counter(n.op_type for n in g.graph.node))
