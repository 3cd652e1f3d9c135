"""The training loop behind `Model.compile/fit/evaluate/predict`: the `Trainer` mixin, data
adapters, compiled losses and metrics, fused fast paths and progress reporting."""
