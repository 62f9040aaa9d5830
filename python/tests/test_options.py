"""The library's options table (ct_option_count/ct_option_info) against what mirrors it: the
ctypes Options struct of _lib.py (names, order, offsets, sizes, types), the command's --help and
its man page, and ct_options_set()/ct_options_init_version() through the binding."""

import ctypes
import os
import re
import subprocess
import unittest

import _support
from carbontracker import _lib

#: The ctypes type each ct_option_type is mirrored by.
_MIRROR_TYPES = {
    _lib.CT_OPTION_INT: (ctypes.c_int,),
    _lib.CT_OPTION_UINT: (ctypes.c_uint,),
    _lib.CT_OPTION_DOUBLE: (ctypes.c_double,),
    _lib.CT_OPTION_STRING: (ctypes.c_char_p,),
    _lib.CT_OPTION_CALLBACK: (_lib.MESSAGE_FN, _lib.CONFIRM_FN),
    _lib.CT_OPTION_POINTER: (ctypes.c_void_p,),
}


def table(lib):
    """[ct_option_desc as a dict] in the library's order."""
    rows = []
    for i in range(lib.ct_option_count()):
        d = lib.ct_option_info(i).contents
        rows.append({name: getattr(d, name) for name, _ in _lib.OptionDesc._fields_})
    return rows


class TestOptionsTable(unittest.TestCase):
    def setUp(self):
        self.lib = _lib.load()
        for fn in ("ct_option_count", "ct_option_info", "ct_options_set",
                   "ct_options_init_version"):
            self.assertTrue(self.lib.has(fn), fn)
        self.rows = table(self.lib)

    def test_mirror_follows_the_table(self):
        """Every field of the table is mirrored in _lib.Options, in order, at the same offset
        and size, with a matching type: a new option without a mirror fails here."""
        mirror = _lib.Options._fields_
        self.assertEqual([n for n, _ in mirror], [r["name"].decode() for r in self.rows])
        for (name, ctype), row in zip(mirror, self.rows):
            with self.subTest(field=name):
                self.assertEqual(getattr(_lib.Options, name).offset, row["offset"])
                self.assertEqual(getattr(_lib.Options, name).size, row["size"])
                self.assertIn(ctype, _MIRROR_TYPES[row["type"]])
        self.assertIsNone(self.lib.ct_option_info(len(self.rows)) or None)

    def test_rows_describe_themselves(self):
        for row in self.rows:
            with self.subTest(field=row["name"]):
                self.assertTrue(row["help"])
                if row["cli_arg"]:
                    self.assertTrue(row["cli_name"])
                if row["owned"] or row["secret"]:
                    self.assertEqual(row["type"], _lib.CT_OPTION_STRING)
        secrets = [r["name"] for r in self.rows if r["secret"]]
        self.assertEqual(secrets, [b"electricitymaps_api_key"])

    def test_set_by_name(self):
        o = self.lib.new(_lib.Options)
        self.assertEqual(self.lib.ct_options_init_version(ctypes.byref(o), 1), 0)
        self.assertEqual(o.version, 1)
        err = ctypes.create_string_buffer(128)
        self.assertEqual(self.lib.ct_options_set(ctypes.byref(o), b"update_interval_s", b"0.5",
                                                 err, len(err)), 0)
        self.assertEqual(o.update_interval_s, 0.5)
        rc = self.lib.ct_options_set(ctypes.byref(o), b"pue", b"1.5x", err, len(err))
        self.assertEqual(rc, -2)
        self.assertEqual(err.value, b"invalid number '1.5x' for pue")
        self.assertEqual(self.lib.ct_options_init_version(ctypes.byref(o),
                                                          _lib.CT_OPTIONS_VERSION + 1), -2)


class TestCommandOptions(unittest.TestCase):
    """Every library option the command offers is documented: in --help and in the man page."""

    def setUp(self):
        self.lib = _lib.load()
        self.cli = [r for r in table(self.lib) if r["cli_name"]]
        self.assertTrue(self.cli)

    def test_every_command_option_is_in_the_man_page(self):
        with open(os.path.join(_support.SOURCE_DIR, "doc", "carbontracker.1")) as f:
            man = f.read().replace("\\-", "-")
        for row in self.cli:
            name = "--" + row["cli_name"].decode()
            with self.subTest(option=name):
                self.assertIsNotNone(re.search(re.escape(name) + r"\b", man),
                                     f"{name} is not in doc/carbontracker.1")

    @unittest.skipUnless(os.environ.get("CT_BIN"), "CT_BIN (the command) not set")
    def test_every_command_option_is_in_help(self):
        out = subprocess.run([os.environ["CT_BIN"], "--help"], capture_output=True, text=True,
                             check=True).stdout
        for row in self.cli:
            spec = "--" + row["cli_name"].decode()
            if row["cli_arg"]:
                spec += " " + row["cli_arg"].decode()
            with self.subTest(option=spec):
                self.assertRegex(out, r"(?m)^  " + re.escape(spec) + r" +" +
                                 re.escape(row["help"].decode()) + "$")


if __name__ == "__main__":
    unittest.main()
