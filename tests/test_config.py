import pytest
import yaml

from keras_gans.config import GANConfig, available_recipes, load_recipe, parse_assignments
from keras_gans.errors import ConfigError

CORE_RECIPES = ["gan", "dcgan", "wgan", "wgan_gp", "lsgan", "sngan", "r1"]


def test_core_recipes_exist_and_validate():
    recipes = available_recipes()
    for name in CORE_RECIPES:
        assert name in recipes
        config = load_recipe(name).validate()
        assert config.recipe == name
        assert config.description and config.paper, f"{name} must say what it is and which paper"


def test_recipes_state_the_papers_defaults():
    wgan_gp = load_recipe("wgan_gp")
    assert wgan_gp.objective == "wasserstein"
    assert wgan_gp.regularizers == {"gradient_penalty": {"weight": 10.0}}
    assert (wgan_gp.d_steps, wgan_gp.g_lr, wgan_gp.beta_1, wgan_gp.beta_2) == (5, 1e-4, 0.0, 0.9)
    wgan = load_recipe("wgan")
    # The paper's RMSprop, clipping and critic steps; its 5e-5 raised tenfold for CPU budgets (issue 12).
    assert (wgan.optimizer, wgan.d_steps, wgan.d_lr, wgan.g_lr) == ("rmsprop", 5, 5e-4, 5e-4)
    assert wgan.regularizers == {"weight_clipping": {"clip_value": 0.01}}
    dcgan = load_recipe("dcgan")
    # Tuned for samples per minute (issue 12): batch 32 and an EMA generator, the paper's Adam.
    assert (dcgan.g_lr, dcgan.beta_1, dcgan.batch_size) == (2e-4, 0.5, 32)
    assert (dcgan.ema_kimg, dcgan.ema_rampup, dcgan.ema_decay) == (30.0, 0.05, 0.0)
    assert load_recipe("sngan").spectral_norm and load_recipe("sngan").objective == "hinge"


def test_an_ema_override_replaces_the_recipes_other_ema_form():
    # dcgan sets a half-life (ema_kimg, with a ramp-up), r1 a raw decay: either form given replaces the other.
    as_decay = load_recipe("dcgan", ema_decay=0.99).validate()
    assert (as_decay.ema_decay, as_decay.ema_kimg, as_decay.ema_rampup) == (0.99, None, None)
    as_half_life = load_recipe("r1", ema_kimg=5.0).validate()
    assert (as_half_life.ema_decay, as_half_life.ema_kimg) == (0.0, 5.0)
    assert load_recipe("dcgan", ema_decay=0.0).ema_kimg == 30.0  # switching a form off leaves the other
    no_ema = load_recipe("dcgan", ema_kimg=0).validate()  # the half-life goes off with its ramp-up
    assert (no_ema.ema_decay, no_ema.ema_kimg, no_ema.ema_rampup) == (0.0, None, None)
    with pytest.raises(ConfigError, match="Set either ema_decay"):
        load_recipe("dcgan", ema_decay=0.99, ema_kimg=5.0).validate()
    with pytest.raises(ConfigError, match="ema_kimg must be float; got False"):
        load_recipe("dcgan", ema_kimg=False).validate()  # False == 0, but it is no half-life of 0


def test_unknown_recipe_names_choices_and_closest_match():
    with pytest.raises(ConfigError) as error:
        load_recipe("wgan-gp")
    message = str(error.value)
    assert "Did you mean 'wgan_gp'" in message
    for name in CORE_RECIPES:
        assert name in message


def test_unknown_key_suggests_the_closest_field():
    with pytest.raises(ConfigError, match="Did you mean 'batch_size'"):
        load_recipe("dcgan", batchsize=32)
    with pytest.raises(ConfigError, match="Valid keys: .*latent_dim"):
        load_recipe("dcgan", zzz=1)


def test_overrides_are_typed():
    assert load_recipe("dcgan", g_lr=1).g_lr == 1.0  # ints are fine for floats
    with pytest.raises(ConfigError, match="batch_size must be int"):
        load_recipe("dcgan", batch_size="many")
    with pytest.raises(ConfigError, match="spectral_norm must be bool"):
        load_recipe("dcgan", spectral_norm="yes")


@pytest.mark.parametrize("given, stored", [("auto", "auto"), (True, True), (False, False), ("false", False),
                                           (" Auto ", "auto")])
def test_jit_compile_is_true_false_or_auto(given, stored):
    assert load_recipe("dcgan", jit_compile=given).validate().jit_compile == stored
    assert load_recipe("dcgan").jit_compile == "auto"  # the default: XLA where it pays
    assert load_recipe("dcgan", **parse_assignments(["jit_compile=false"])).jit_compile is False
    for wrong in ("sometimes", 1):
        with pytest.raises(ConfigError, match=r"jit_compile must be true, false or auto .*got "):
            load_recipe("dcgan", jit_compile=wrong)


def test_dotted_overrides_reach_regularizer_arguments():
    config = load_recipe("wgan_gp", **{"regularizers.gradient_penalty.weight": 5.0})
    assert config.regularizers["gradient_penalty"]["weight"] == 5.0
    config = load_recipe("dcgan", discriminator_norm="none", **{"regularizers.r1.gamma": 2.0}).validate()
    assert config.regularizers == {"r1": {"gamma": 2.0}}
    with pytest.raises(ConfigError, match="gamma"):
        load_recipe("r1", **{"regularizers.r1.weight": 1.0}).validate()


@pytest.mark.parametrize(
    "recipe, overrides, message",
    [
        ("dcgan", {"regularizers": {"weight_clipping": {}}}, "objective=wasserstein"),
        ("dcgan", {"regularizers": {"gradient_penalty": {}}}, "discriminator_norm=layer"),
        ("sngan", {"label_smoothing": 0.1}, "has no targets"),
        ("dcgan", {"label_smoothing": 0.7}, r"\[0, 0.5\)"),
        ("dcgan", {"ema_decay": 1.0}, r"ema_decay must lie in \[0, 1\)"),
        ("dcgan", {"objective": "hinje"}, "Did you mean 'hinge'"),
        ("dcgan", {"regularizers": {"r3": {}}}, "Did you mean 'r1'|Valid choices"),
        ("dcgan", {"d_steps": 0}, "d_steps must be a positive integer"),
        ("dcgan", {"optimizer": "adamw"}, "Did you mean 'adam'"),
        ("dcgan", {"networks": "stylegan"}, "Valid choices: dcgan, mlp"),
    ],
)
def test_invalid_combinations_are_rejected_with_a_reason(recipe, overrides, message):
    with pytest.raises(ConfigError, match=message):
        load_recipe(recipe, **overrides).validate()


def test_parse_assignments_reads_yaml_values():
    overrides = parse_assignments(["batch_size=128", "g_lr=1e-4", "spectral_norm=true", "regularizers.r1.gamma=5"])
    assert overrides == {"batch_size": 128, "g_lr": "1e-4", "spectral_norm": True, "regularizers.r1.gamma": 5}
    # YAML 1.1 reads 1e-4 as text; the typed config turns it into the number users mean.
    assert load_recipe("dcgan", **overrides).g_lr == 1e-4
    with pytest.raises(ConfigError, match="key=value"):
        parse_assignments(["batch_size"])


def test_a_yaml_file_is_a_recipe(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("objective: least_squares\nbatch_size: 32\n")
    config = load_recipe(path).validate()
    assert (config.recipe, config.objective, config.batch_size) == ("mine", "least_squares", 32)
    path.write_text("- not a mapping\n")
    with pytest.raises(ConfigError, match="mapping"):
        load_recipe(path)


def test_config_round_trips_through_a_dict():
    config = load_recipe("r1", seed=3)
    assert GANConfig.from_dict(config.to_dict()) == config


def test_an_unknown_key_in_a_yaml_recipe_names_the_file(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("objective: hinge\nbatchsize: 32\n")
    with pytest.raises(ConfigError) as caught:
        load_recipe(path)
    assert str(caught.value).startswith(f"Recipe file {str(path)!r}: Unknown config key 'batchsize'. "
                                        "Did you mean 'batch_size'?")


@pytest.mark.parametrize("given, stored", [
    (28, 28), ((28, 32), [28, 32]), ([28, 28], [28, 28]), ("28x32", [28, 32]), ("(28, 32)", [28, 32]), (None, None),
])
def test_image_size_is_a_side_or_a_height_width_pair(given, stored):
    config = load_recipe("dcgan", image_size=given).validate()
    assert config.image_size == stored
    assert GANConfig.from_dict(yaml.safe_load(yaml.safe_dump(config.to_dict()))) == config
    assert load_recipe("dcgan", **parse_assignments(["image_size=[28,32]"])).image_size == [28, 32]
    for bad in ([28, 0], [1, 2, 3], 2.5, True, "big"):
        with pytest.raises(ConfigError, match=r"image_size must be one positive int \(square images\) or "
                                              r"\[height, width\]; got"):
            load_recipe("dcgan", image_size=bad)
