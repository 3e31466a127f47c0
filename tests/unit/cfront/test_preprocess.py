"""The preprocessing step: options in gcc's order, and which text is dropped as system-header text."""

from polyopt.cfront.preprocess import CppOptions, _drop_system_headers, has_regions, parse_file


def test_options_keep_the_order_of_defines_and_undefines():
    opts = CppOptions(include_dirs=("inc",), macros=(("-D", "N=4"), ("-U", "N"), ("-D", "M")),
                      includes=("pre.h",), std="c99")
    assert opts.args() == ["-std=c99", "-I", "inc", "-D", "N=4", "-U", "N", "-D", "M", "-include", "pre.h"]
    assert CppOptions().args() == ["-std=gnu11"]


def test_macro_expansions_tagged_as_system_text_are_kept():
    out = "\n".join([
        '# 1 "k.c"',
        '# 1 "/usr/include/stdio.h" 1 3 4',
        "typedef struct _IO_FILE FILE;",
        "extern FILE *stderr;",
        '# 2 "k.c" 2',
        "void f(void) { fprintf(",
        '# 2 "k.c" 3 4',  # the expansion of stdio.h's `stderr` macro, in k.c
        "stderr",
        '# 2 "k.c"',
        ', "x"); }',
    ])
    text, opaque = _drop_system_headers(out)
    assert "stderr\n" in text and "extern FILE" not in text
    assert opaque == frozenset({"FILE"})


def test_user_header_macros_and_defines_reach_the_region(tmp_path):
    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "m.h").write_text("#define TWICE(x) (2 * (x))\n")
    src = "#include <m.h>\nvoid f(int n, double *a) {\n#pragma scop\n  for (int i = 0; i < n; i++)\n" \
          "    a[i] = TWICE(a[i]) + K;\n#pragma endscop\n}\n"
    parsed = parse_file(src, str(tmp_path / "k.c"),
                        options=CppOptions(include_dirs=(str(tmp_path / "inc"),), macros=(("-D", "K=3"),)))
    (region,) = parsed.regions
    assert region.first_line == 3 and region.last_line == 6


def test_has_regions():
    assert has_regions("int x;\n  #  pragma scop\n") and not has_regions("// #pragma scop\n")
