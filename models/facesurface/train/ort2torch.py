"""A torch module that runs an ONNX graph made of the few ops MediaPipe's
face landmark model uses (Conv with TF-style asymmetric pads, PRelu with
expanded slopes, Add, MaxPool VALID, zero channel padding by
ConstantOfShape+Concat), so its weights can be trained further."""
import onnx, torch, torch.nn as nn, torch.nn.functional as F
from onnx import numpy_helper

class Graph(nn.Module):
    def __init__(self, path, trainable=False):
        super().__init__()
        m = onnx.load(path)
        g = m.graph
        self.inits = {}
        self.params = nn.ParameterDict()
        consts = {}
        for i in g.initializer:
            a = numpy_helper.to_array(i).copy()
            if a.dtype.kind == 'f':
                key = i.name.replace('/', '__').replace('.', '_')
                self.params[key] = nn.Parameter(torch.from_numpy(a), requires_grad=trainable)
                self.inits[i.name] = key
            else:
                consts[i.name] = a
        self.consts = consts
        self.nodes = []
        for n in g.node:
            attrs = {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}
            self.nodes.append((n.op_type, list(n.input), list(n.output), attrs))
        self.input = g.input[0].name
        self.outputs = [o.name for o in g.output]

    def val(self, env, name):
        if name in env: return env[name]
        if name in self.inits: return self.params[self.inits[name]]
        return self.consts[name]

    def forward(self, x, want=None):
        env = {self.input: x}
        want = want or self.outputs
        for op, ins, outs, at in self.nodes:
            if op == 'Conv':
                t = self.val(env, ins[0]); w = self.val(env, ins[1]); b = self.val(env, ins[2]) if len(ins) > 2 else None
                p = at.get('pads', [0, 0, 0, 0])  # top, left, bottom, right
                if p[0] != p[2] or p[1] != p[3]:
                    t = F.pad(t, (p[1], p[3], p[0], p[2])); pad = 0
                else:
                    pad = (p[0], p[1])
                y = F.conv2d(t, w, b, stride=at.get('strides', [1, 1]), padding=pad, groups=at.get('group', 1))
            elif op == 'Expand':
                y = self.val(env, ins[0])  # slopes (1,C,1,1) broadcast in PRelu
            elif op == 'PRelu':
                t = env[ins[0]]; a = self.val(env, ins[1])
                y = F.prelu(t, a.reshape(-1))
            elif op == 'Add':
                y = self.val(env, ins[0]) + self.val(env, ins[1])
            elif op == 'MaxPool':
                y = F.max_pool2d(env[ins[0]], at['kernel_shape'], at['strides'])
            elif op == 'ConstantOfShape':
                shp = [int(v) for v in self.consts[ins[0]]]
                y = ('zeros', shp[1])
            elif op == 'Concat':
                a, b = env[ins[0]], env[ins[1]]
                if isinstance(b, tuple):
                    b = torch.zeros(a.shape[0], b[1], a.shape[2], a.shape[3], dtype=a.dtype, device=a.device)
                y = torch.cat([a, b], dim=at['axis'])
            else:
                raise ValueError('op ' + op)
            env[outs[0]] = y
        return [env[w] for w in want]
