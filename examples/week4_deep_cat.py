"""Week 4: a two-layer and an L-layer network on the cat images, as the course trains them.

Two-layer 12288-7-1: W = randn * 0.01 after np.random.seed(1); L-layer 12288-20-7-5-1:
W[l] = randn / sqrt(n[l-1]) after np.random.seed(1). Both relu then sigmoid, learning rate
0.0075, 2500 iterations. The course gets test accuracies 72 % and 80 %.
"""

from _common import check_gradients, load_data, parse_args

from tinygrad_edu import nn

args = parse_args(__doc__, iterations=2500)
data = load_data(args.data)
n_x = data.train_x.shape[0]

for title, dims, init in [
    ("Two-layer network", [n_x, 7, 1], "small"),
    ("L-layer network", [n_x, 20, 7, 5, 1], "scaled"),
]:
    print(f"== {title} {dims}, init {init!r} ==")
    model = nn.DeepNN(dims, "relu", "sigmoid", init=init, seed=1)
    check_gradients(model, data.train_x, data.train_y)
    history = nn.fit(model, data.train_x, data.train_y, learning_rate=0.0075,
                     num_iterations=args.iterations, print_every=100,
                     progress=not args.no_progress)  # fmt: skip
    test_accuracy = nn.accuracy(model, data.test_x, data.test_y)
    print(f"train accuracy: {history.train_accuracy:.4f}, test accuracy: {test_accuracy:.4f} "
          f"({history.seconds:.1f} s)\n")  # fmt: skip
