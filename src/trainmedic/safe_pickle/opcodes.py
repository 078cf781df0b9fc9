"""The opcodes the pickle machine runs, one small function each, and the loop that runs them up to STOP.

Opcodes that reach outside the pickle (the copyreg extension registry, out-of-band buffers) are not in the table:
a pickle using them is not readable as data.
"""

from __future__ import annotations

import pickletools
from typing import Any, BinaryIO

from .machine import MAX_NODES, Machine, bad
from .names import PickledObject, find_class, stand_in

# Highest pickle protocol that exists.
MAX_PROTOCOL = 5
# A stand-in class costs about a kilobyte (a type object and its dict), fifty times a small value: a pickle naming
# thousands of distinct classes is charged for them.
STAND_IN_NODES = 50


def run(stream: BinaryIO, *, max_nodes: int = MAX_NODES, any_name: bool = False) -> Any:
    """Run opcodes from ``stream`` up to STOP on a fresh :class:`Machine` and return the object they built.

    ``any_name`` makes every name a stand-in (nothing is refused, nothing is called): a dry run that checks only the
    budget, for pickles that another restricted unpickler will then load (``torch.load(weights_only=True)``).
    """
    m = Machine(max_nodes=max_nodes, any_name=any_name)
    for op, arg, _ in pickletools.genops(stream):
        name = op.name
        if name == "STOP":
            if len(m.stack) != 1:
                raise bad("stack not balanced at STOP")
            return m.stack.pop()
        handler = _OPS.get(name)
        if handler is None:
            raise bad(f"uses the {name} opcode")
        handler(m, arg)
    raise bad("no STOP")


def _setitems(m: Machine, target: Any, items: list) -> None:
    if len(items) % 2:
        raise bad("odd number of items for a dict")
    if not isinstance(target, (dict, PickledObject)):
        raise bad(f"SETITEM on a {type(target).__name__}")
    for k, v in zip(items[::2], items[1::2]):
        m.check_key(k)
        target[k] = v


def _appends(m: Machine, items: list) -> None:
    target = m.stack[-1]
    if target.__class__ is list or isinstance(target, PickledObject):
        target.extend(items)
    else:
        raise bad(f"APPEND on a {type(target).__name__}")


def _push(m: Machine, value: Any) -> None:
    m.stack.append(value)


def _new_container(kind: type):
    def op(m: Machine, _arg: Any) -> None:
        m.charge(1)
        m.stack.append(m.tuple_of(()) if kind is tuple else kind())

    return op


def _tuple_n(n: int):
    def op(m: Machine, _arg: Any) -> None:
        if len(m.stack) < n:
            raise bad("stack too short")
        items = m.stack[len(m.stack) - n :]
        del m.stack[len(m.stack) - n :]
        m.stack.append(m.tuple_of(items))

    return op


def _dict(m: Machine, _arg: Any) -> None:
    items = m.pop_mark()
    m.charge(1)
    out: dict = {}
    _setitems(m, out, items)
    m.stack.append(out)


def _frozenset(m: Machine, _arg: Any) -> None:
    items = m.pop_mark()
    for x in items:
        m.check_key(x)
    m.charge(1)
    m.stack.append(frozenset(items))


def _additems(m: Machine, _arg: Any) -> None:
    items = m.pop_mark()
    target = m.stack[-1]
    if target.__class__ is not set:
        raise bad(f"ADDITEMS on a {type(target).__name__}")
    for x in items:
        m.check_key(x)
    target.update(items)


def _global(m: Machine, arg: Any) -> None:
    module, _, name = str(arg).partition(" ")
    m.stack.append(_find(m, module, name))


def _find(m: Machine, module: str, name: str) -> Any:
    known = len(m.classes)
    if m.any_name:
        if (module, name) not in m.classes:
            m.classes[(module, name)] = stand_in(module, name)
        found = m.classes[(module, name)]
    else:
        found = find_class(module, name, m.classes)
    if len(m.classes) > known:  # a new stand-in class was made
        m.charge(STAND_IN_NODES)
    return found


def _stack_global(m: Machine, _arg: Any) -> None:
    name, module = m.stack.pop(), m.stack.pop()
    if not isinstance(module, str) or not isinstance(name, str):
        raise bad("STACK_GLOBAL with a non-string name")
    m.stack.append(_find(m, module, name))


def _reduce(m: Machine, _arg: Any) -> None:
    args = m.stack.pop()
    func = m.stack.pop()
    m.stack.append(m.call(func, args))


def _newobj(m: Machine, _arg: Any) -> None:
    args = m.stack.pop()
    cls = m.stack.pop()
    m.stack.append(m.call(cls, args))


def _newobj_ex(m: Machine, _arg: Any) -> None:
    kwargs, args, cls = m.stack.pop(), m.stack.pop(), m.stack.pop()
    m.stack.append(m.call(cls, args, kwargs))


def _obj(m: Machine, _arg: Any) -> None:
    items = m.pop_mark()
    if not items:
        raise bad("OBJ without a class")
    m.stack.append(m.call(items[0], tuple(items[1:])))


def _inst(m: Machine, arg: Any) -> None:
    module, _, name = str(arg).partition(" ")
    cls = _find(m, module, name)
    m.stack.append(m.call(cls, tuple(m.pop_mark())))


def _build(m: Machine, _arg: Any) -> None:
    state = m.stack.pop()
    inst = m.stack[-1]
    if isinstance(inst, PickledObject):
        inst.__setstate__(state)
    # Attributes of a plain value (an OrderedDict's ``_metadata``) belong to a subclass that is not built: dropped.


def _persistent(m: Machine, _arg: Any) -> None:
    # torch.save stores tensor storages out of band; a config pickle holds none, so a placeholder stands in.
    m.charge(1)
    m.stack.append(PickledObject())


def _binpersid(m: Machine, _arg: Any) -> None:
    m.stack.pop()
    _persistent(m, None)


def _proto(m: Machine, arg: Any) -> None:
    if not isinstance(arg, int) or arg > MAX_PROTOCOL:
        raise bad(f"unsupported protocol {arg}")


def _pop(m: Machine, _arg: Any) -> None:
    if m.stack and (not m.marks or m.marks[-1] < len(m.stack)):
        m.stack.pop()
    else:
        m.pop_mark()


def _put(m: Machine, arg: Any) -> None:
    m.memo[arg] = m.stack[-1]


def _get(m: Machine, arg: Any) -> None:
    m.stack.append(m.memo[arg])


def _append(m: Machine, _arg: Any) -> None:
    value = m.stack.pop()
    _appends(m, [value])


def _list(m: Machine, _arg: Any) -> None:
    items = m.pop_mark()
    m.charge(1)
    m.stack.append(items)


def _setitem(m: Machine, _arg: Any) -> None:
    value, key = m.stack.pop(), m.stack.pop()
    _setitems(m, m.stack[-1], [key, value])


def _setitems_op(m: Machine, _arg: Any) -> None:
    items = m.pop_mark()
    _setitems(m, m.stack[-1], items)


def _memoize(m: Machine, _arg: Any) -> None:
    m.memo[len(m.memo)] = m.stack[-1]


_OPS = {
    "PROTO": _proto,
    "FRAME": lambda m, a: None,
    "MARK": lambda m, a: m.marks.append(len(m.stack)),
    "POP": _pop,
    "POP_MARK": lambda m, a: m.pop_mark(),
    "DUP": lambda m, a: m.stack.append(m.stack[-1]),
    "PUT": _put,
    "BINPUT": _put,
    "LONG_BINPUT": _put,
    "MEMOIZE": _memoize,
    "GET": _get,
    "BINGET": _get,
    "LONG_BINGET": _get,
    "NONE": lambda m, a: _push(m, None),
    "NEWTRUE": lambda m, a: _push(m, True),
    "NEWFALSE": lambda m, a: _push(m, False),
    "BYTEARRAY8": lambda m, a: _push(m, bytearray(a)),
    "EMPTY_LIST": _new_container(list),
    "EMPTY_DICT": _new_container(dict),
    "EMPTY_SET": _new_container(set),
    "EMPTY_TUPLE": _new_container(tuple),
    "TUPLE1": _tuple_n(1),
    "TUPLE2": _tuple_n(2),
    "TUPLE3": _tuple_n(3),
    "TUPLE": lambda m, a: m.stack.append(m.tuple_of(m.pop_mark())),
    "LIST": _list,
    "DICT": _dict,
    "FROZENSET": _frozenset,
    "ADDITEMS": _additems,
    "APPEND": _append,
    "APPENDS": lambda m, a: _appends(m, m.pop_mark()),
    "SETITEM": _setitem,
    "SETITEMS": _setitems_op,
    "GLOBAL": _global,
    "STACK_GLOBAL": _stack_global,
    "REDUCE": _reduce,
    "NEWOBJ": _newobj,
    "NEWOBJ_EX": _newobj_ex,
    "OBJ": _obj,
    "INST": _inst,
    "BUILD": _build,
    "PERSID": _persistent,
    "BINPERSID": _binpersid,
}
for _scalar in (
    "INT",
    "BININT",
    "BININT1",
    "BININT2",
    "LONG",
    "LONG1",
    "LONG4",
    "FLOAT",
    "BINFLOAT",
    "STRING",
    "BINSTRING",
    "SHORT_BINSTRING",
    "UNICODE",
    "BINUNICODE",
    "SHORT_BINUNICODE",
    "BINUNICODE8",
    "BINBYTES",
    "SHORT_BINBYTES",
    "BINBYTES8",
):
    _OPS[_scalar] = _push
