"""TensorFlow's `x += y` for the script `deepfit run` runs: a tensor is never changed in place.

TensorFlow tensors are immutable, so in a TensorFlow program `inputs -= mean` or `x *= scale`
makes a new tensor and rebinds the name. On torch tensors the same statement writes into the
tensor, which silently changes every other reference to it (a residual branch that still
holds the layer's input) or breaks backpropagation ("a variable needed for gradient
computation has been modified by an inplace operation").

So the script's augmented assignments whose target is a name or an attribute (`x += y`,
`self.total += y`) are compiled as `x = augmented("+=", x, y)`: a plain tensor gets the
out-of-place result, exactly TensorFlow's meaning; anything else (lists, NumPy arrays, Python
numbers, trainable variables) gets Python's own in-place operator, unchanged. Subscript
targets (`a[i] += 1`) are left as they are: TensorFlow tensors do not support them.

Example:
    >>> code = compile_script("x += 1\\n", "script.py")
"""

from __future__ import annotations

import ast
import operator
from typing import Any

import torch

HELPER = "__deepfit_augmented__"

_OPERATORS = {
    ast.Add: ("+=", operator.add, operator.iadd),
    ast.Sub: ("-=", operator.sub, operator.isub),
    ast.Mult: ("*=", operator.mul, operator.imul),
    ast.Div: ("/=", operator.truediv, operator.itruediv),
    ast.FloorDiv: ("//=", operator.floordiv, operator.ifloordiv),
    ast.Mod: ("%=", operator.mod, operator.imod),
    ast.Pow: ("**=", operator.pow, operator.ipow),
    ast.MatMult: ("@=", operator.matmul, operator.imatmul),
    ast.BitAnd: ("&=", operator.and_, operator.iand),
    ast.BitOr: ("|=", operator.or_, operator.ior),
    ast.BitXor: ("^=", operator.xor, operator.ixor),
    ast.LShift: ("<<=", operator.lshift, operator.ilshift),
    ast.RShift: (">>=", operator.rshift, operator.irshift),
}
_BY_SYMBOL = {symbol: (plain, inplace) for symbol, plain, inplace in _OPERATORS.values()}


def augmented(symbol: str, target: Any, value: Any) -> Any:
    """`target <symbol> value` with TensorFlow's meaning for tensors.

    Args:
        symbol: the augmented operator, e.g. '+='.
        target: the current value of the assigned name or attribute.
        value: the right-hand side.

    Returns:
        A new tensor when `target` is a plain (non-trainable-variable) tensor, else what
        Python's in-place operator returns.
    """
    plain, inplace = _BY_SYMBOL[symbol]
    if isinstance(target, torch.Tensor) and not isinstance(target, torch.nn.Parameter):
        return plain(target, value)
    return inplace(target, value)


class _Rewrite(ast.NodeTransformer):
    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        self.generic_visit(node)
        target = node.target
        if not isinstance(target, (ast.Name, ast.Attribute)) or type(node.op) not in _OPERATORS:
            return node
        if isinstance(target, ast.Attribute) and not isinstance(target.value, ast.Name):
            return node  # `f().x += 1` would evaluate `f()` twice
        load = _as_load(target)
        call = ast.Call(func=ast.Name(id=HELPER, ctx=ast.Load()),
                        args=[ast.Constant(_OPERATORS[type(node.op)][0]), load, node.value],
                        keywords=[])
        return ast.copy_location(ast.Assign(targets=[target], value=call), node)


def _as_load(target: ast.AST) -> ast.AST:
    if isinstance(target, ast.Name):
        return ast.Name(id=target.id, ctx=ast.Load())
    return ast.Attribute(value=ast.Name(id=target.value.id, ctx=ast.Load()),
                         attr=target.attr, ctx=ast.Load())


def compile_script(source: str | bytes, filename: str) -> Any:
    """The script's code object with its augmented assignments rewritten (line numbers kept).

    Args:
        source: the script's text.
        filename: its path (for tracebacks).

    Returns:
        A code object; run it in a namespace that has `HELPER` bound to `augmented`.
    """
    tree = _Rewrite().visit(ast.parse(source, filename))
    return compile(ast.fix_missing_locations(tree), filename, "exec", dont_inherit=True)
