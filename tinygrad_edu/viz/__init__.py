"""Pictures of the graph: Tensor -> DOT -> SVG. The only package that knows about Graphviz.

The engine never imports viz; viz reads what the engine records on every node (`name`, `data`,
`grad`, `parents`, `broadcast`, and the op in `grad_fn`, which says what it is called, its
formula and its backward rule) and takes gradients from the engine's own walk.

    import tinygrad_edu.viz as viz
    J = ...                                   # a cost built from Tensors
    viz.backward_with_grads(J)                # backward that keeps dZ[2], dA[1], ... too
    viz.render(J, "graph.svg")                # tensors as boxes, ops as ellipses
    viz.render(J, "layers.svg", collapse="layers")   # one box per layer, for big nets
    viz.backward_steps(J, "steps/")           # steps/index.html pages through backward

    graph.py     the graph as DOT: names, values, gradients, layers (Picture: what it shows)
    backends.py  DOT -> SVG through the system `dot` or Graphviz in WebAssembly
    steps.py     backward step by step, and each node's rule read from its op
    notebook.py  Tensors displayed as their graph in Jupyter
"""

from .backends import BACKEND_ENV, graphviz_backend, render, render_dot, svg
from .graph import Picture, to_dot
from .notebook import enable_notebook
from .steps import backward_steps, backward_with_grads, local_rule, retain_grads

__all__ = [
    "Picture", "to_dot", "render", "svg", "render_dot", "graphviz_backend", "BACKEND_ENV",
    "retain_grads", "backward_with_grads", "backward_steps", "local_rule", "enable_notebook",
]  # fmt: skip
