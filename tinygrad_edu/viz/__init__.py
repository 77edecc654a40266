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
    viz.stepper(J)                            # in a notebook: a widget stepping through backward

Names: a tensor you name keeps its name, `Tensor(..., name="W[1]")` or `t.named("Z")` (which
returns t, so `Z = (W @ X + b).named("Z")` reads as the course). The rest are named from the
graph's structure: an activation's output is A and its input Z (Z[1], A[1], ..., AL with
several layers), a scalar output J, the data X (into the first product) and Y (into the cost),
anything else by its formula ("wᵀX") or its op ("mul1").

Gradients: under the course's cost (binary_cross_entropy, or ..._with_logits) a picture shows
the course's quantities, and says so in its caption: dW, db are ∂J/∂W, ∂J/∂b (the 1/m inside),
and dZ, dA are per example, m·∂J/∂Z (dZ = A − Y at the output), with the rules to match
((1/m) where a rule gives a parameter's gradient). Any other graph shows the engine's ∂J/∂Z,
labelled so. Each rule comes with its shapes: "dW[2] = (1/m) dZ[2] · A[1]ᵀ : (1, 4) = (1, 400)
· (400, 4)", or "dZ[2] = ... : all (1, 400)" where every term has one shape.

    graph.py     the graph as DOT: values, gradients, layers (Picture: what it shows)
    names.py     names for the nodes the user did not name, from the graph's structure
    notation.py  Notation: how gradients are named, scaled and ruled (course or ∂J/∂)
    backends.py  DOT -> SVG through the system `dot` or Graphviz in WebAssembly
    frames.py    backward's steps as frames (node, rule, picture): what the pager and stepper show
    steps.py     backward step by step as HTML pages, and each node's rule read from its op
    stepper.py   backward step by step in a notebook: a widget, with a static HTML fallback
    notebook.py  Tensors displayed as their graph in Jupyter (viz.enable_notebook(False): as text)
"""

from .backends import BACKEND_ENV, graphviz_backend, render, render_dot, svg
from .frames import Frame, frames
from .graph import Picture, to_dot
from .names import labels_of
from .notation import Notation
from .notebook import enable_notebook
from .stepper import stepper
from .steps import backward_steps, backward_with_grads, local_rule, retain_grads

__all__ = [
    "Picture", "to_dot", "labels_of", "Notation", "render", "svg", "render_dot",
    "graphviz_backend", "BACKEND_ENV",
    "retain_grads", "backward_with_grads", "backward_steps", "local_rule", "enable_notebook",
    "Frame", "frames", "stepper",
]  # fmt: skip
