"""Typed training configuration; recipes in `configs/*.yaml` override its defaults.

A recipe file names only what differs from `GANConfig`'s defaults. `--set key=value` on the command
line and keyword arguments to `keras_gans.fit` override any field the same way. Unknown keys and
combinations the papers never use are rejected in one place, `GANConfig.validate`.
"""

from __future__ import annotations

import dataclasses
import os
import typing
from pathlib import Path

import yaml

from keras_gans.config_values import STAGE_VALUES, as_list, coerce
from keras_gans.errors import ConfigError, closest, unknown_choice

CONFIG_DIR = Path(os.environ.get("KERAS_GANS_CONFIGS", Path(__file__).resolve().parent.parent / "configs"))
OPTIMIZERS = ("adam", "rmsprop", "sgd")
PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16", "auto")
QUALITY_NETWORKS = ("auto", "inception", "classifier")  # fid_network; see checkpoints.evaluate


@dataclasses.dataclass
class GANConfig:
    # What the recipe is, for `keras-gans recipes` and run metadata.
    recipe: str = "custom"
    description: str = ""
    paper: str = ""
    # Data.
    dataset: str = "fashion_mnist"
    image_size: typing.Optional[typing.Union[int, typing.List[int]]] = None  # resize to N x N or [height, width]
    batch_size: int = 64                         # images per generator step
    # Networks.
    networks: str = "dcgan"                      # family: "dcgan" or "mlp"
    latent_dim: int = 100
    # Channels: DCGAN's last generator / first critic stage; R3GAN's every stage, or a list of one
    # per stage from the base grid up (e.g. [128, 64, 32] for 7x7, 14x14, 28x28).
    generator_width: typing.Union[int, typing.List[int]] = 64
    discriminator_width: typing.Union[int, typing.List[int]] = 64
    generator_norm: str = "batch"                # "batch" | "layer" | "none"
    discriminator_norm: str = "batch"
    spectral_norm: bool = False                  # spectral normalization in the discriminator
    generator_units: typing.List[int] = dataclasses.field(default_factory=lambda: [1200, 1200])
    discriminator_units: typing.List[int] = dataclasses.field(default_factory=lambda: [240, 240])
    dropout: float = 0.5                         # MLP discriminator only
    maxout_pieces: int = 1                       # MLP discriminator: 1 = leaky ReLU; k = maxout of k
    # Objective and regularizers: {name: {argument: value}}, e.g. {gradient_penalty: {weight: 10}}.
    objective: str = "non_saturating"
    regularizers: typing.Dict[str, dict] = dataclasses.field(default_factory=dict)
    # Schedule.
    steps: int = 2000                            # generator updates
    d_steps: int = 1                             # discriminator updates per generator update
    optimizer: str = "adam"
    g_lr: float = 2e-4                           # separate rates for G and D: TTUR
    d_lr: float = 2e-4
    beta_1: float = 0.5
    beta_2: float = 0.999
    # Tricks from the papers, each off by default.
    label_smoothing: float = 0.0                 # one-sided: real targets become 1 - label_smoothing
    label_flip: float = 0.0                      # probability of swapping a D target
    instance_noise: float = 0.0                  # stddev of noise on D inputs, annealed to 0
    instance_noise_steps: typing.Optional[int] = None  # annealing length; default: all steps
    ema_decay: float = 0.0                       # EMA of generator weights; 0 turns it off
    # Running.
    seed: typing.Optional[int] = None
    steps_per_epoch: int = 500                   # one progress bar (and history entry) per epoch
    log_every: int = 50                          # steps between TensorBoard scalar writes
    steps_per_execution: int = 1                 # train steps per device call (compile); divides log_every and steps
    sample_every: int = 500                      # steps between sample grids (0: final grid only)
    checkpoint_every: int = 500                  # steps between checkpoints (and at the end)
    # Quality on by default: 2000 samples every 1000 steps measured ~7% of the demo DCGAN's training
    # time on the 2-core CPU (Fashion-MNIST classifier: ~16 s per evaluation vs 0.22 s per step).
    fid_every: int = 1000                        # steps between FID/KID evaluations; 0 turns them off
    fid_samples: int = 2000                      # generated (and real) images per FID evaluation
    fid_network: str = "auto"                    # "auto" | "inception" | "classifier" (see training_extractor)
    tensorboard: bool = True
    # XLA: true, false or "auto", Keras's rule: on with JAX (its only compiled path) and with
    # TensorFlow where a GPU is visible, off for TensorFlow on a CPU-only machine, where every core
    # recipe ran as fast or faster without it (r3gan, faster with it, sets true; backend.xla_by_default).
    # `benchmarks/train_throughput.py` measures both on your device.
    jit_compile: typing.Union[bool, str] = "auto"
    # Devices and precision: data parallel over every visible device (MirroredStrategy on
    # TensorFlow, MultiWorkerMirroredStrategy from TF_CONFIG; DataParallel on JAX), and Keras's
    # mixed-precision policies (float32 variables; exports are float32 whatever the run used).
    distributed: bool = False
    # "auto": mixed_bfloat16 where the device computes in bfloat16 natively, else float32
    # (backend.bfloat16_by_default).
    precision: str = "float32"                   # "float32" | "mixed_float16" | "mixed_bfloat16" | "auto"
    # ---- Conditional, self-attention and image-to-image models (issue 5; see trainer/factory.py).
    conditioning: str = "none"                   # "none" | "class" | "codes" | "paired" | "unpaired"
    class_head: str = "projection"               # conditioning=class: "projection" (cGAN) | "auxiliary" (AC-GAN)
    class_loss_weight: float = 1.0               # AC-GAN class loss, for D and G
    categorical_codes: typing.List[int] = dataclasses.field(default_factory=list)  # InfoGAN, e.g. [10]
    continuous_codes: int = 0                    # InfoGAN uniform(-1, 1) codes
    info_weight: float = 1.0                     # InfoGAN's lambda
    attention_resolution: typing.Optional[int] = None  # SAGAN: feature-map side of the attention block
    generator_spectral_norm: bool = False        # SAGAN normalizes G too
    source_channels: typing.Optional[int] = None  # image-to-image: channels of domain A (default: as B)
    generator_dropout: float = 0.5               # U-Net decoder dropout (pix2pix's noise)
    generator_blocks: int = 6                    # ResNet generator residual blocks (CycleGAN)
    patch_layers: int = 3                        # PatchGAN strided layers (3: 70x70 patches)
    reconstruction_weight: float = 0.0           # pix2pix L1 lambda (100)
    cycle_weight: float = 0.0                    # CycleGAN cycle-consistency lambda
    identity_weight: float = 0.0                 # CycleGAN identity term
    # Tricks any recipe can switch on (Salimans et al. 2016; Shrivastava et al. 2017).
    history_size: int = 0                        # D sees fakes through a buffer of this many; 0: off
    feature_matching: float = 0.0                # weight of the feature-matching term for G; 0: off
    minibatch_discrimination: int = 0            # minibatch-discrimination kernels in D; 0: off
    # ---- Best samples per compute (issue 12).
    augment: str = "none"                        # D-input augmentation: "none" | "diffaugment" | "ada"
    augment_options: typing.Dict[str, typing.Any] = dataclasses.field(default_factory=dict)  # e.g. {target: 0.6}
    ema_kimg: typing.Optional[float] = None      # EMA half-life in thousands of images (instead of ema_decay)
    ema_rampup: typing.Optional[float] = None    # EMA ramp-up coefficient (StyleGAN2-ADA: 0.05)
    blocks_per_stage: typing.Union[int, typing.List[int]] = 2  # R3GAN: residual blocks per stage (or a list)

    @classmethod
    def field_names(cls):
        return [f.name for f in dataclasses.fields(cls)]

    def replace(self, **overrides) -> "GANConfig":
        """A copy with `overrides` applied; keys may be dotted (`regularizers.r1.weight`).

        The EMA's two forms are one setting: overriding a recipe's `ema_kimg` with `ema_decay` (or
        the other way round) replaces its other form rather than asking for both to be cleared, and
        `ema_kimg` 0 switches the half-life off (with its ramp-up) as `ema_decay` 0 does."""
        data = dataclasses.asdict(self)
        for key, value in overrides.items():
            # A bool is not a number here (False == 0): validation refuses it as the wrong type.
            switched_off = value is None or (not isinstance(value, bool) and value in (0, 0.0))
            if key == "ema_kimg" and switched_off:
                value = None  # a half-life of 0 is no half-life, not a refused setting
            for other, cleared in _EMA_FORMS.get(key, ({}, {}))[switched_off].items():
                if other not in overrides:
                    data[other] = cleared
            _set_path(data, key, value)
        return GANConfig.from_dict(data)

    @classmethod
    def from_dict(cls, data: dict) -> "GANConfig":
        hints = typing.get_type_hints(cls)
        names = cls.field_names()
        for key in data:
            if key not in names:
                raise _unknown_key(key, names)
        return cls(**{key: coerce(key, value, hints[key]) for key, value in data.items()})

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def validate(self) -> "GANConfig":
        """Rejects settings that cannot train, or combinations the papers never use."""
        from keras_gans.networks import NETWORK_FAMILIES
        from keras_gans.networks.blocks import NORMALIZATIONS
        from keras_gans.objectives import get_objective
        from keras_gans.regularizers import get_regularizer
        from keras_gans.regularizers.gamma import resolve_gamma

        objective = get_objective(self.objective)
        _check_in("networks", self.networks, NETWORK_FAMILIES)
        _check_in("generator_norm", self.generator_norm, NORMALIZATIONS)
        _check_in("discriminator_norm", self.discriminator_norm, NORMALIZATIONS)
        _check_in("optimizer", self.optimizer, OPTIMIZERS)
        _check_in("precision", self.precision, PRECISIONS)
        _check_in("fid_network", self.fid_network, QUALITY_NETWORKS)
        if self.fid_every < 0 or self.fid_samples < 2:
            raise ConfigError(f"fid_every must be >= 0 (0: off) and fid_samples >= 2; got {self.fid_every}, "
                              f"{self.fid_samples}.")
        for name in ("batch_size", "latent_dim", "steps", "d_steps", "steps_per_epoch", "steps_per_execution",
                     "generator_width", "discriminator_width", "maxout_pieces"):
            if min(as_list(getattr(self, name))) < 1:
                raise ConfigError(f"{name} must be a positive integer; got {getattr(self, name)}.")
        _validate_steps_per_execution(self)
        for name in ("g_lr", "d_lr"):
            if not getattr(self, name) > 0:
                raise ConfigError(f"{name} must be > 0; got {getattr(self, name)}.")
        for name in ("beta_1", "beta_2", "ema_decay"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ConfigError(f"{name} must lie in [0, 1); got {getattr(self, name)}.")
        for name in ("label_smoothing", "label_flip"):
            value = getattr(self, name)
            if not 0.0 <= value < 0.5:
                raise ConfigError(f"{name} must lie in [0, 0.5); got {value}.")
            if value and not objective.label_based:
                raise ConfigError(
                    f"{name} changes the real/fake targets of a label-based objective; "
                    f"{self.objective!r} has no targets. Use it with minimax, non_saturating or least_squares."
                )
        if self.instance_noise < 0:
            raise ConfigError(f"instance_noise is a standard deviation (>= 0); got {self.instance_noise}.")
        if not isinstance(self.regularizers, dict):
            raise ConfigError("regularizers must map names to arguments, e.g. {gradient_penalty: {weight: 10}}.")
        for name, arguments in self.regularizers.items():
            # `gamma: auto` depends on the data's resolution, known only once it is loaded.
            side = self.image_size or 28
            get_regularizer(name, **resolve_gamma(arguments, (side, side), self.batch_size))
        if "weight_clipping" in self.regularizers and self.objective != "wasserstein":
            raise ConfigError(
                "weight_clipping keeps a Wasserstein critic Lipschitz (Arjovsky et al. 2017); with the "
                f"{self.objective!r} objective it only cripples the discriminator. Use objective=wasserstein."
            )
        penalties = sorted(set(self.regularizers) & {"gradient_penalty", "r1", "r2"})
        if penalties and self.discriminator_norm == "batch" and self.networks == "dcgan":
            raise ConfigError(
                f"{', '.join(penalties)} penalize per-example input gradients, which batch normalization "
                "in the discriminator mixes across the batch (Gulrajani et al. 2017, section 4). "
                "Set discriminator_norm=layer or discriminator_norm=none."
            )
        _validate_conditional(self)
        _validate_quality(self)
        return self


def _validate_quality(config: GANConfig) -> None:
    """The rules of the augmentation, EMA half-life and R3GAN fields (issue 12)."""
    from keras_gans.augment import AUGMENTATIONS, get_augmentation

    _check_in("augment", config.augment, AUGMENTATIONS)
    if not isinstance(config.augment_options, dict):
        raise ConfigError("augment_options must map argument names to values, e.g. {target: 0.6}.")
    if config.augment_options and config.augment == "none":
        raise ConfigError(f"augment_options {sorted(config.augment_options)} need an augmentation: "
                          f"set augment to one of {', '.join(sorted(set(AUGMENTATIONS) - {'none'}))}.")
    get_augmentation(config.augment, **config.augment_options)
    if config.augment != "none" and config.conditioning in ("paired", "unpaired"):
        raise ConfigError(f"augment={config.augment} transforms the images D sees; image-to-image models "
                          "(conditioning=paired or unpaired) show D source and target together. Use augment=none.")
    if config.ema_kimg is not None:
        if not config.ema_kimg > 0:
            raise ConfigError(f"ema_kimg is a half-life in thousands of images (> 0; StyleGAN2-ADA uses 10); got "
                              f"{config.ema_kimg}. To train without it, leave it out of the recipe or override "
                              f"it with 0 (--set ema_kimg=0).")
        if config.ema_decay:
            raise ConfigError(f"Set either ema_decay ({config.ema_decay}) or ema_kimg ({config.ema_kimg}), not both: "
                              "both say how fast the EMA generator forgets.")
    if config.ema_rampup is not None and (config.ema_kimg is None or not config.ema_rampup > 0):
        raise ConfigError(f"ema_rampup (> 0; StyleGAN2-ADA uses 0.05) caps the half-life ema_kimg early in "
                          f"training; it needs ema_kimg. Got ema_rampup={config.ema_rampup}, ema_kimg={config.ema_kimg}.")
    if min(as_list(config.blocks_per_stage)) < 0:
        raise ConfigError(f"blocks_per_stage must be >= 0; got {config.blocks_per_stage}.")
    listed = [name for name in STAGE_VALUES if isinstance(getattr(config, name), list)]
    if listed and config.networks != "r3gan":
        raise ConfigError(f"{', '.join(listed)}: one value per stage is for networks=r3gan; "
                          f"networks={config.networks} takes a single number (e.g. {listed[0]}=64).")
    if config.networks == "r3gan" and (config.feature_matching or config.minibatch_discrimination):
        raise ConfigError("The r3gan discriminator returns logits only: feature_matching and "
                          "minibatch_discrimination need networks=dcgan.")


def _validate_steps_per_execution(config: GANConfig) -> None:
    # Callbacks see the run once per execution, and the device keeps the last log_every steps'
    # values: an interval that is not a whole number of executions would lose some of them.
    if config.log_every < 1:
        raise ConfigError(f"log_every must be a positive integer; got {config.log_every}.")
    for name in ("log_every", "steps"):
        if getattr(config, name) % config.steps_per_execution:
            raise ConfigError(
                f"{name}={getattr(config, name)} must be a multiple of steps_per_execution="
                f"{config.steps_per_execution} (callbacks run once per execution of that many steps)."
            )


def _validate_conditional(config: GANConfig) -> None:
    """The rules of the conditional, SAGAN and image-to-image fields (issue 5)."""
    from keras_gans.networks import CLASS_HEADS
    from keras_gans.trainer.conditioning import CONDITIONINGS

    _check_in("conditioning", config.conditioning, CONDITIONINGS)
    _check_in("class_head", config.class_head, CLASS_HEADS[1:])
    image_to_image = config.conditioning in ("paired", "unpaired")
    if image_to_image != (config.networks in ("unet", "resnet")):
        raise ConfigError(
            "Image-to-image models (conditioning=paired or unpaired) go with the unet or resnet "
            f"networks and those networks only with them; got networks={config.networks!r}, "
            f"conditioning={config.conditioning!r}."
        )
    if config.conditioning in ("class", "codes") and config.networks != "dcgan":
        raise ConfigError(f"conditioning={config.conditioning} is built on the dcgan networks; got {config.networks!r}.")
    codes = bool(config.categorical_codes or config.continuous_codes)
    if codes != (config.conditioning == "codes"):
        raise ConfigError("InfoGAN codes (categorical_codes, continuous_codes) need conditioning=codes, and it needs codes.")
    if any(k < 2 for k in config.categorical_codes) or config.continuous_codes < 0:
        raise ConfigError("categorical_codes sizes must be >= 2 and continuous_codes >= 0.")
    for name in ("class_loss_weight", "info_weight", "reconstruction_weight", "cycle_weight",
                 "identity_weight", "feature_matching", "history_size", "minibatch_discrimination"):
        if getattr(config, name) < 0:
            raise ConfigError(f"{name} must be >= 0; got {getattr(config, name)}.")
    if not 0.0 <= config.generator_dropout < 1.0:
        raise ConfigError(f"generator_dropout must lie in [0, 1); got {config.generator_dropout}.")
    if (config.reconstruction_weight and config.conditioning != "paired") or (
        (config.cycle_weight or config.identity_weight) and config.conditioning != "unpaired"
    ):
        raise ConfigError(
            "reconstruction_weight compares a fake with its paired target (conditioning=paired); "
            "cycle_weight and identity_weight need both domains (conditioning=unpaired)."
        )
    if config.conditioning == "unpaired":
        # Both domains' logits are stacked on the batch axis, where per-example targets and
        # per-example input gradients of one domain no longer line up.
        blocked = [n for n in ("label_smoothing", "label_flip", "feature_matching") if getattr(config, n)]
        blocked += sorted(config.regularizers)
        if blocked:
            raise ConfigError(f"{', '.join(blocked)} cannot be used with conditioning=unpaired (CycleGAN).")
    if config.patch_layers < 1 or config.generator_blocks < 0:
        raise ConfigError("patch_layers must be >= 1 and generator_blocks >= 0.")
    if config.minibatch_discrimination and config.networks != "dcgan":
        raise ConfigError("minibatch_discrimination sits on the dcgan discriminator's flat features; "
                          f"networks={config.networks!r} has none.")
    if config.feature_matching and config.networks == "mlp":
        raise ConfigError("feature_matching needs a discriminator that returns features (dcgan, unet, resnet).")


def available_recipes() -> dict:
    """Recipe name -> path of its YAML file."""
    return {path.stem: path for path in sorted(CONFIG_DIR.glob("*.yaml"))}


def load_recipe(recipe: str | os.PathLike = "dcgan", **overrides) -> GANConfig:
    """The typed config of a named recipe (or a YAML file path), with `overrides` applied."""
    path = Path(recipe)
    if path.suffix in (".yaml", ".yml"):
        if not path.is_file():
            raise ConfigError(f"Recipe file {str(path)!r} does not exist.")
        name = path.stem
    else:
        recipes = available_recipes()
        if str(recipe) not in recipes:
            raise unknown_choice("recipe", str(recipe), recipes, ConfigError)
        name, path = str(recipe), recipes[str(recipe)]
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as error:
        raise ConfigError(f"Recipe file {str(path)!r} is not valid YAML: {error}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"Recipe file {str(path)!r} must hold a mapping of field: value.")
    try:
        config = GANConfig.from_dict({"recipe": name, **data})
    except ConfigError as error:
        raise ConfigError(f"Recipe file {str(path)!r}: {error}") from None
    return config.replace(**overrides) if overrides else config


def parse_assignments(assignments) -> dict:
    """`["batch_size=128", "regularizers.r1.gamma=5"]` -> {"batch_size": 128, ...}; values are YAML."""
    overrides = {}
    for item in assignments or ():
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set expects key=value, e.g. --set batch_size=128; got {item!r}.")
        overrides[key.strip()] = yaml.safe_load(value) if value.strip() else None
    return overrides


# What an EMA override does to the recipe's other EMA fields: (when it is given a value, when it is
# switched off). A value replaces the other form; the half-life switched off takes its ramp-up along.
_EMA_FORMS = {
    "ema_decay": ({"ema_kimg": None, "ema_rampup": None}, {}),
    "ema_kimg": ({"ema_decay": 0.0}, {"ema_rampup": None}),
}


def _set_path(data, key, value):
    parts = key.split(".")
    if parts[0] not in data:
        raise _unknown_key(parts[0], list(data))
    if len(parts) > 1 and not isinstance(data[parts[0]], dict):
        raise ConfigError(f"{parts[0]!r} is not a mapping, so {key!r} cannot be set; use {parts[0]}=VALUE.")
    target = data
    for part in parts[:-1]:
        if target.get(part) is None:
            target[part] = {}
        target = target[part]
    target[parts[-1]] = value


def _unknown_key(key, names):
    hint = closest(key, names)
    message = f"Unknown config key {key!r}."
    if hint:
        message += f" Did you mean {hint!r}?"
    return ConfigError(message + f" Valid keys: {', '.join(sorted(names))}.")


def _check_in(name, value, choices):
    if value not in choices:
        raise unknown_choice(name, value, choices, ConfigError)
