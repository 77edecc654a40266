"""Week 2: logistic regression, cat or not, with autodiff doing propagate()'s backward pass.

The course's setup: w and b start at zero, learning rate 0.005, 2000 iterations; it prints
train accuracy 99.04 % and test accuracy 70.0 %.
"""

from _common import check_gradients, load_data, parse_args

from tinygrad_edu import nn

args = parse_args(__doc__, iterations=2000)
data = load_data(args.data)

model = nn.LogisticRegression(data.train_x.shape[0])  # w (n_x, 1), b (1, 1), zeros
check_gradients(model, data.train_x, data.train_y)

history = nn.fit(model, data.train_x, data.train_y, learning_rate=0.005,
                 num_iterations=args.iterations, print_every=100,
                 progress=not args.no_progress)  # fmt: skip
test_accuracy = nn.accuracy(model, data.test_x, data.test_y)
print(f"train accuracy: {100 * history.train_accuracy:.2f} %")
print(f"test accuracy: {100 * test_accuracy:.2f} %")
print(f"({history.iterations} iterations in {history.seconds:.1f} s)")
