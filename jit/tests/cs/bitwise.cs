// JIT tests: and, or, xor, not, on every integer width.
//
// Convention: `static int test_<N>_<name>()` passes when it returns N.

static class Bitwise
{
    static int And(int a, int b) { return a & b; }
    static int Or(int a, int b) { return a | b; }
    static int Xor(int a, int b) { return a ^ b; }
    static int Not(int a) { return ~a; }
    static long And64(long a, long b) { return a & b; }
    static long Or64(long a, long b) { return a | b; }
    static long Xor64(long a, long b) { return a ^ b; }
    static long Not64(long a) { return ~a; }
    static uint NotU(uint a) { return ~a; }
    static byte AndB(byte a, byte b) { return (byte)(a & b); }
    static ushort XorS(ushort a, ushort b) { return (ushort)(a ^ b); }

    static int test_8_and()
    {
        return And(12, 10); // 1100 & 1010
    }

    static int test_14_or()
    {
        return Or(12, 10);
    }

    static int test_6_xor()
    {
        return Xor(12, 10);
    }

    static int test_1_not()
    {
        return Not(0) == -1 && Not(-1) == 0 && Not(0x0F0F0F0F) == unchecked((int)0xF0F0F0F0) ? 1 : 0;
    }

    static int test_1_int64_bitwise_uses_both_halves()
    {
        long a = 0x0F0F0F0F00000000L | 0xFF;
        long b = 0x00FF00FF000000F0L;
        return And64(a, b) == 0x000F000F000000F0L
            && Or64(a, b) == 0x0FFF0FFF000000FFL
            && Xor64(a, b) == 0x0FF00FF00000000FL
            && Not64(0) == -1L ? 1 : 0;
    }

    static int test_1_unsigned_not()
    {
        return NotU(0) == 0xFFFFFFFFu ? 1 : 0;
    }

    static int test_160_narrow_widths()
    {
        return AndB(0xF0, 0xAF) + XorS(0xFFFF, 0xFFFF); // 0xA0 + 0
    }

    static int test_4_popcount_by_hand()
    {
        // A loop of and/shr that counts set bits: 0b1011_0001
        int v = Or(0xB0, 0x01);
        int count = 0;
        while (v != 0)
        {
            count += v & 1;
            v >>= 1;
        }
        return count;
    }

    static int test_1_flags_enum()
    {
        Access a = Access.Read | Access.Write;
        bool canRead = (a & Access.Read) != 0;
        bool canExec = (a & Access.Execute) != 0;
        a ^= Access.Write;
        return canRead && !canExec && a == Access.Read ? 1 : 0;
    }

    [System.Flags]
    enum Access
    {
        None = 0,
        Read = 1,
        Write = 2,
        Execute = 4,
    }
}
