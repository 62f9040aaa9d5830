"""The binding itself: the ctypes mirrors against the C structs (sizes from ct_struct_size(),
field names and order from include/carbontracker.h), the status-code table against
ct_status_name(), the version check and the library search."""

import ctypes
import os
import re
import types
import unittest

import _support
from carbontracker import _lib, exceptions


def header_fields(struct):
    """[(name, array length or None)] of `typedef struct NAME {...} NAME;` in the header."""
    with open(os.path.join(_support.SOURCE_DIR, "include", "carbontracker.h")) as f:
        text = re.sub(r"/\*.*?\*/", "", f.read(), flags=re.S)
    body = re.search(r"typedef struct %s \{(.*?)\} %s;" % (struct, struct), text, re.S).group(1)
    out = []
    for decl in body.split(";"):
        decl = " ".join(decl.split())
        if not decl:
            continue
        for i, piece in enumerate(decl.split(",")):
            m = re.search(r"(\w+)\s*(?:\[(\w+)\])?\s*$", piece.strip())
            length = m.group(2)
            out.append((m.group(1), int(length) if length else None))
    return out


def header_structs():
    """Names of every `typedef struct NAME {...} NAME;` in the header."""
    with open(os.path.join(_support.SOURCE_DIR, "include", "carbontracker.h")) as f:
        return re.findall(r"typedef struct (\w+) \{", f.read())


class TestStructs(unittest.TestCase):
    def setUp(self):
        self.lib = _lib.load()

    def test_sizes_equal_the_c_sizes(self):
        self.assertTrue(self.lib.has("ct_struct_size"))
        for cname, cls in _lib.STRUCTS.items():
            with self.subTest(struct=cname):
                self.assertEqual(ctypes.sizeof(cls), self.lib.ct_struct_size(cname.encode()))
        self.assertEqual(self.lib.ct_struct_size(b"ct_tracker"), 0)
        self.assertEqual(self.lib.ct_struct_size(None), 0)

    def test_every_struct_is_mirrored(self):
        # Every struct of the header crosses the API: each one is mirrored and checked here.
        self.assertEqual(sorted(header_structs()), sorted(_lib.STRUCTS))
        for cname in _lib.STRUCTS:
            self.assertGreater(self.lib.ct_struct_size(cname.encode()), 0, cname)

    def test_versioned_structs(self):
        # new_versioned() lets the library initialise the version this package mirrors; the
        # library knows it (a newer one is refused) and writes only its bytes.
        for cls, version in ((_lib.EpochResult, _lib.CT_EPOCH_RESULT_VERSION),
                             (_lib.Summary, _lib.CT_SUMMARY_VERSION),
                             (_lib.DeviceEnergy, _lib.CT_DEVICE_ENERGY_VERSION)):
            with self.subTest(struct=cls.__name__):
                self.assertEqual(self.lib.new_versioned(cls).version, version)
                init = getattr(self.lib, _lib._VERSIONED[cls][0])
                size = ctypes.sizeof(cls) + 64
                buf = ctypes.create_string_buffer(b"\xab" * size, size)
                obj = cls.from_buffer(buf)
                self.assertEqual(init(ctypes.byref(obj), version + 1), -2)  # CT_EINVAL
                self.assertEqual(set(buf.raw), {0xAB})
                self.assertEqual(init(ctypes.byref(obj), version), 0)
                self.assertEqual(set(buf.raw[ctypes.sizeof(cls):]), {0xAB})

    def test_fields_follow_the_header(self):
        for cname, cls in _lib.STRUCTS.items():
            with self.subTest(struct=cname):
                mirror = [(n, getattr(t, "_length_", None)) for n, t in cls._fields_]
                self.assertEqual(mirror, header_fields(cname))

    def test_options_init_defaults(self):
        o = self.lib.new(_lib.Options)
        self.lib.ct_options_init(ctypes.byref(o))
        self.assertEqual(o.version, _lib.CT_OPTIONS_VERSION)
        self.assertEqual((o.epochs, o.epochs_before_pred, o.monitor_epochs), (1, 1, -1))
        self.assertEqual(o.update_interval_s, 1.0)
        self.assertEqual(o.components, b"all")
        self.assertEqual((o.verbose, o.decimal_precision, o.interpretable), (1, 12, 1))
        self.assertNotEqual(o.pue, o.pue)  # NaN = default
        self.assertIsNone(o.log_dir)


class TestStatusTable(unittest.TestCase):
    def test_table_matches_the_library(self):
        lib = _lib.load()
        for value, name, cls_name, _ in exceptions.STATUS_TABLE:
            with self.subTest(status=value):
                self.assertEqual(lib.ct_status_name(value).decode(), name)
                cls = getattr(exceptions, cls_name)
                self.assertEqual(cls.status, value)
                self.assertTrue(issubclass(cls, exceptions.CarbonTrackerError), cls.__mro__)
        # Every code the library knows is in the table: the next one is unknown to it.
        last = min(row[0] for row in exceptions.STATUS_TABLE)
        self.assertIsNone(lib.ct_status_name(last - 1))
        self.assertEqual(lib.ct_status_name(0), b"OK")

    def test_error_for(self):
        e = exceptions.error_for(-2, "No component found with name 'tpu'.")
        self.assertIsInstance(e, exceptions.ComponentNameError)
        self.assertIsInstance(e, ValueError)
        self.assertEqual(str(e), "No component found with name 'tpu'.")
        self.assertIsInstance(exceptions.error_for(-8, "x"), exceptions.NoComponentsAvailableError)
        self.assertEqual(exceptions.error_for(-6, "x").status, -6)


class TestLoading(unittest.TestCase):
    def test_version(self):
        import carbontracker
        lib = _lib.load()
        self.assertEqual(carbontracker.library_version(), lib.version_string)
        self.assertEqual(lib.version >> 16, _lib.EXPECTED_VERSION[0])
        self.assertGreaterEqual((lib.version >> 8) & 0xFF, _lib.EXPECTED_VERSION[1])
        self.assertEqual(carbontracker.__version__.split(".")[:2],
                         [str(v) for v in _lib.EXPECTED_VERSION])

    def test_library_from_environment_only(self):
        # Importing needs no library; CARBONTRACKER_LIBRARY, when set, is the only candidate.
        env = dict(os.environ, CARBONTRACKER_LIBRARY="/nonexistent/libcarbontracker.so")
        env.pop("LD_PRELOAD", None)  # nothing instrumented is loaded
        r = _support.run_python(
            "import carbontracker, carbontracker.parser\n"
            "from carbontracker.tracker import CarbonTracker\n"
            "from carbontracker.exceptions import LibraryNotFoundError\n"
            "print(carbontracker.__version__)\n"
            "try:\n    CarbonTracker(epochs=1)\n"
            "except LibraryNotFoundError as e:\n    print('refused:', e)\n", env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith("0.3.0\nrefused: libcarbontracker could not be "
                                            "loaded"), r.stdout)
        self.assertIn("/nonexistent/libcarbontracker.so (CARBONTRACKER_LIBRARY)", r.stdout)

    def test_version_and_layout_checks(self):
        real = _lib.load()
        fake = types.SimpleNamespace(path="libfake.so", version=real.version,
                                     version_string=real.version_string, sizes=dict(real.sizes))
        _lib._check_version(fake)  # the real library passes
        for version, text in ((0x010200, "this Python package needs 0.3 or a later 0.x"),
                              (0x000100, "this Python package needs 0.3 or a later 0.x")):
            fake.version, fake.version_string = version, "x.y.z"
            with self.assertRaises(exceptions.LibraryNotFoundError) as cm:
                _lib._check_version(fake)
            self.assertIn(text, str(cm.exception))
        fake.version = real.version
        fake.sizes["ct_summary"] = ctypes.sizeof(_lib.Summary) - 8  # older than the mirrors
        with self.assertRaises(OSError) as cm:
            _lib._check_version(fake)
        self.assertIn("struct ct_summary is", str(cm.exception))


if __name__ == "__main__":
    unittest.main()
