"""Week 3: the planar flower, logistic regression against a hidden layer of tanh units.

No straight line separates the petals: logistic regression gets about 47 %. One hidden layer
of 4 tanh units (W drawn as randn * 0.01 after np.random.seed(2), learning rate 1.2, 10,000
iterations) gets about 90 %. Then the course's sweep over the hidden layer's size, with half
as many iterations for each size (the course: 5000).
"""

from _common import check_gradients, parse_args

from tinygrad_edu import datasets, nn

args = parse_args(__doc__, iterations=10_000, cat_data=False)  # the flower is generated
data = datasets.load_data("flower")  # 400 points of seed 1 (and 200 of seed 3 to test)
X, Y = data.train_x, data.train_y
bar = not args.no_progress

logistic = nn.LogisticRegression(2)
h = nn.fit(logistic, X, Y, 1.2, args.iterations, print_every=None, progress=bar)
print(f"Logistic regression: accuracy {100 * h.train_accuracy:.2f} % (the petals need curves)\n")

model = nn.DeepNN([2, 4, 1], hidden_activation="tanh", init="small", seed=2)
check_gradients(model, X, Y)
h = nn.fit(model, X, Y, learning_rate=1.2, num_iterations=args.iterations,
           print_every=1000, progress=bar)  # fmt: skip
print(f"4 tanh units: accuracy {100 * h.train_accuracy:.2f} %\n")

sweep = max(1, args.iterations // 2)  # the course: 5000 iterations for each size
for n_h in [1, 2, 3, 4, 5, 20, 50]:
    model = nn.DeepNN([2, n_h, 1], hidden_activation="tanh", init="small", seed=2)
    h = nn.fit(model, X, Y, 1.2, sweep, print_every=None, progress=bar)
    print(f"Accuracy for {n_h} hidden units: {100 * h.train_accuracy:.2f} %")
