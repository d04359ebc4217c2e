// JIT tests: ldstr and the corlib's string operations (Length, indexer,
// Concat, equality, Substring, integer formatting).
//
// Convention: `static int test_<N>_<name>()` passes when it returns N.
// Only String members the Cordon corlib provides are used, and only with
// results both corlibs agree on (no culture-dependent formatting).

static class Strings
{
    static int test_5_ldstr_length()
    {
        return "hello".Length;
    }

    static int test_0_empty_string()
    {
        return "".Length + string.Empty.Length;
    }

    static int test_131_indexer()
    {
        string s = "kernel";
        return s[0] - 'a' + s[5] - 'a' + s[3]; // 10 + 11 + 'n' (110)
    }

    static int test_1_ldstr_is_interned()
    {
        // The same literal twice is the same object (ECMA-335 II.24.2.4).
        object a = "cordon";
        object b = "cordon";
        return a == b ? 1 : 0;
    }

    static int test_1_concat_two_three_four()
    {
        string a = "ab", b = "cd", c = "ef", d = "gh";
        string two = a + b;
        string three = a + b + c;
        string four = a + b + c + d;
        return two == "abcd" && three == "abcdef" && four == "abcdefgh" && four.Length == 8 ? 1 : 0;
    }

    static int test_1_concat_many_and_null()
    {
        string n = null;
        string s = "1" + n + "2" + "3" + n + "4" + "5"; // mcs folds literals, not the nulls
        return s == "12345" && (n + n) == "" ? 1 : 0;
    }

    static int test_1_concat_with_integers()
    {
        int x = 42;
        long y = -7;
        uint z = 4000000000;
        string s = "x=" + x + ", y=" + y + ", z=" + z;
        return s == "x=42, y=-7, z=4000000000" ? 1 : 0;
    }

    static int test_1_int_to_string_edges()
    {
        return int.MinValue.ToString() == "-2147483648" && 0.ToString() == "0"
            && long.MaxValue.ToString() == "9223372036854775807"
            && ulong.MaxValue.ToString() == "18446744073709551615"
            && ((byte)7).ToString() == "7" && 'c'.ToString() == "c"
            && true.ToString() == "True" ? 1 : 0;
    }

    static int test_1_equality()
    {
        string a = "driver";
        string b = "dri" + Suffix(); // a different object, same chars
        string c = "drivel";
        return a == b && !((object)a == (object)b) && a != c && a.Equals(b) && !a.Equals(c)
            && string.Equals(a, b) && !a.Equals(null) && a != null ? 1 : 0;
    }

    static string Suffix()
    {
        return "ver";
    }

    static int test_1_substring()
    {
        string s = "virtio-blk";
        return s.Substring(7) == "blk" && s.Substring(0, 6) == "virtio" && s.Substring(3, 0) == ""
            && s.Substring(10) == "" ? 1 : 0;
    }

    static int test_1_index_of_and_starts_with()
    {
        string s = "pci:00:03.0";
        return s.IndexOf(':') == 3 && s.IndexOf('.') == 9 && s.IndexOf('x') == -1
            && s.StartsWith("pci") && !s.StartsWith("pcie") ? 1 : 0;
    }

    static int test_1_is_null_or_empty()
    {
        return string.IsNullOrEmpty(null) && string.IsNullOrEmpty("") && !string.IsNullOrEmpty(" ") ? 1 : 0;
    }

    static int test_1_char_array_round_trip()
    {
        char[] chars = "fat32".ToCharArray();
        chars[0] = 'F';
        string s = new string(chars);
        return s == "Fat32" && new string('-', 3) == "---" && new string(chars, 3, 2) == "32" ? 1 : 0;
    }

    static int test_1_ordinal_compare()
    {
        return string.CompareOrdinal("abc", "abd") < 0 && string.CompareOrdinal("b", "a") > 0
            && string.CompareOrdinal("ab", "abc") < 0 && string.CompareOrdinal("x", "x") == 0 ? 1 : 0;
    }

    static int test_1_hash_code_equal_for_equal_strings()
    {
        string a = "block", b = "blo" + Tail();
        return a.GetHashCode() == b.GetHashCode() ? 1 : 0;
    }

    static string Tail()
    {
        return "ck";
    }

    static int test_1_non_ascii_chars()
    {
        string s = "\u00e9\u4e2d\uffff";
        return s.Length == 3 && s[0] == 0xE9 && s[1] == 0x4E2D && s[2] == 0xFFFF ? 1 : 0;
    }

    static int test_716064_build_a_string_in_a_loop()
    {
        string s = "";
        for (int i = 0; i < 64; i++)
            s = s + (char)('a' + i % 26);
        int sum = 0;
        for (int i = 0; i < s.Length; i++)
            sum += s[i] - 'a';
        return sum * 1000 + s.Length; // 0+1+...+25 twice, then 0+...+11: 716
    }
}
