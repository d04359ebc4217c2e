// JIT tests: the corlib's string manipulation (IndexOf, Contains, Trim,
// Replace, ToUpper/ToLower, Split, Join), System.Text.StringBuilder and the
// library exception types, against mono.
//
// Convention: `static int test_<N>_<name>()` passes when it returns N.
// Each test counts the checks that hold; strings go through a parameter so
// mcs cannot fold them.

using System.Text;

static class TextTests
{
    static string S(string s) { return s; }

    static int test_8_searching()
    {
        int r = 0;
        string s = S("driver: virtio-blk, virtio-net");
        if (s.IndexOf("virtio") == 8 && s.IndexOf("virtio", 9) == 20) r++;
        if (s.IndexOf("nothing") == -1 && s.IndexOf("") == 0) r++;
        if (s.Contains("blk") && !s.Contains("scsi")) r++;
        if (s.EndsWith("-net") && !s.EndsWith("blk")) r++;
        if (s.LastIndexOf('v') == 20 && s.IndexOf('v', 9) == 20) r++;
        if (s.StartsWith("driver")) r++;
        if (S("").IndexOf('x') == -1 && S("abc").EndsWith("")) r++;
        if (S("aaa").IndexOf("aa", 1) == 1) r++;
        return r;
    }

    static int test_7_trim_and_case()
    {
        int r = 0;
        if (S("  \t pad \n ").Trim() == "pad") r++;
        if (S("  pad  ").TrimStart() == "pad  " && S("  pad  ").TrimEnd() == "  pad") r++;
        if (S("xxpadxx").Trim('x') == "pad" && S("xxxx").Trim('x') == "") r++;
        if (S("\u00A0\u2003mid\u3000").Trim() == "mid") r++;
        if (S("Virtio-Blk 42").ToUpper() == "VIRTIO-BLK 42") r++;
        if (S("Virtio-Blk 42").ToLower() == "virtio-blk 42") r++;
        if (S("").Trim() == "" && S("   ").Trim().Length == 0) r++;
        return r;
    }

    static int test_6_replace()
    {
        int r = 0;
        if (S("a.b.c").Replace('.', '/') == "a/b/c") r++;
        if (S("one two one").Replace("one", "1") == "1 two 1") r++;
        if (S("aaaa").Replace("aa", "b") == "bb") r++;
        if (S("abc").Replace("x", "y") == "abc") r++;
        if (S("abcabc").Replace("b", null) == "acac") r++;
        if (S("xy").Replace("xy", "longer text") == "longer text") r++;
        return r;
    }

    static int test_9_split_and_join()
    {
        int r = 0;
        string[] parts = S("a,b,,c").Split(',');
        if (parts.Length == 4 && parts[0] == "a" && parts[2] == "" && parts[3] == "c") r++;
        parts = S("k=v;x=y").Split(';', '=');
        if (parts.Length == 4 && parts[1] == "v" && parts[2] == "x") r++;
        parts = S("one two\tthree").Split();
        if (parts.Length == 3 && parts[2] == "three") r++;
        parts = S("").Split(',');
        if (parts.Length == 1 && parts[0] == "") r++;
        parts = S("end,").Split(',');
        if (parts.Length == 2 && parts[1] == "") r++;
        if (string.Join(", ", S("a"), S("b"), S("c")) == "a, b, c") r++;
        if (string.Join("-", new string[0]) == "" && string.Join("-", new string[] { "x" }) == "x") r++;
        if (string.Join("+", new object[] { 1, "two", null, 3L }) == "1+two++3") r++;
        if (string.Join(null, new string[] { "a", null, "b" }) == "ab") r++;
        return r;
    }

    static int test_10_string_builder()
    {
        int r = 0;
        StringBuilder sb = new StringBuilder();
        sb.Append("dev").Append(':').Append(42).Append(' ').Append(-7L).Append(true);
        if (sb.ToString() == "dev:42 -7True" && sb.Length == 13) r++;
        sb.Clear();
        if (sb.Length == 0 && sb.ToString() == "") r++;
        for (int i = 0; i < 100; i++)
            sb.Append((char)('a' + i % 26));
        if (sb.Length == 100 && sb[25] == 'z' && sb[26] == 'a') r++;
        sb = new StringBuilder("abc");
        sb.Insert(1, "XY");
        if (sb.ToString() == "aXYbc") r++;
        sb.Remove(0, 2);
        if (sb.ToString() == "Ybc") r++;
        sb[0] = 'y';
        if (sb.ToString() == "ybc") r++;
        sb.Append('-', 3).Append((object)null).Append((object)5u);
        if (sb.ToString() == "ybc---5") r++;
        sb.Length = 2;
        if (sb.ToString() == "yb") r++;
        sb.AppendLine("x").AppendLine();
        if (sb.ToString() == "ybx\n\n") r++;
        sb = new StringBuilder(2);
        sb.Append("abcdef", 2, 3);
        if (sb.ToString() == "cde") r++;
        return r;
    }

    static int Throws(int which)
    {
        try
        {
            switch (which)
            {
                case 0: throw new System.ApplicationException("app");
                case 1: throw new System.Collections.Generic.KeyNotFoundException();
                case 2: throw new System.FormatException("bad");
                case 3: throw new System.ArgumentOutOfRangeException("index");
                case 4: throw new System.TimeoutException();
                case 5: throw new System.ObjectDisposedException("dev");
                default: return -1;
            }
        }
        catch (System.ApplicationException e)
        {
            return e.Message == "app" ? 1 : 0;
        }
        catch (System.Collections.Generic.KeyNotFoundException e)
        {
            return e is System.SystemException ? 1 : 0;
        }
        catch (System.FormatException e)
        {
            return e.Message == "bad" ? 1 : 0;
        }
        catch (System.ArgumentException e)
        {
            return e.ParamName == "index" && e is System.ArgumentOutOfRangeException ? 1 : 0;
        }
        catch (System.ObjectDisposedException e)
        {
            return e.ObjectName == "dev" && e is System.InvalidOperationException ? 1 : 0;
        }
        catch (System.SystemException e)
        {
            return e is System.TimeoutException ? 1 : 0;
        }
    }

    // Long runs go through the runtime's memmove (String.CopyChars): appends,
    // a concatenation, and Insert/Remove moving overlapping ranges.
    static int test_15_long_copies()
    {
        string a = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
        StringBuilder sb = new StringBuilder();
        sb.Append(a).Append(a, 10, 40).Append(a);
        int r = 0;
        if (sb.ToString() == a + a.Substring(10, 40) + a)
            r += 1;
        sb.Insert(3, a);
        if (sb.ToString() == a.Substring(0, 3) + a + a.Substring(3) + a.Substring(10, 40) + a)
            r += 2;
        sb.Remove(3, a.Length);
        sb.Remove(0, 45);
        if (sb.ToString() == (a + a.Substring(10, 40) + a).Substring(45))
            r += 4;
        string big = string.Concat(a, a, a);
        if (big.Length == 3 * a.Length && big.Substring(a.Length + 5, 40) == a.Substring(5, 40))
            r += 8;
        return r;
    }

    static int test_6_library_exceptions()
    {
        int r = 0;
        for (int i = 0; i < 6; i++)
            r += Throws(i);
        return r;
    }

    static int test_11_format_and_interpolation()
    {
        int r = 0;
        int n = (int)S("x").Length * 42;
        if (string.Format(S("n={0}"), n) == "n=42") r++;
        if (string.Format(S("[{0,5}]"), n) == "[   42]" && string.Format(S("[{0,-5}]"), n) == "[42   ]") r++;
        if (string.Format(S("{0:X}"), 255) == "FF" && string.Format(S("{0:x8}"), 48879) == "0000beef") r++;
        if (string.Format(S("{0:X}"), -1) == "FFFFFFFF" && string.Format(S("{0:X}"), (byte)10) == "A") r++;
        if (string.Format(S("{0:X4}"), (ushort)0x1F) == "001F" && string.Format(S("{0:X}"), -2L) == "FFFFFFFFFFFFFFFE") r++;
        if (string.Format(S("{0:D5}"), 42) == "00042" && string.Format(S("{0:D3}"), -7) == "-007") r++;
        if (string.Format(S("{1}-{0}-{1}"), "a", "b") == "b-a-b") r++;
        if (string.Format(S("{{{0}}}"), n) == "{42}") r++;
        if (string.Format(S("{0}{1}{2}{3}"), 1, null, "c", true) == "1cTrue") r++;
        if ($"dev{n,4}:{n:X2}" == "dev  42:2A") r++;
        try
        {
            string.Format(S("{1}"), 1);
        }
        catch (System.FormatException)
        {
            r++;
        }
        return r;
    }
}
