// Cordon corlib: System.Decimal, declared only because mcs refuses to compile
// a corlib without it. It has the CLI layout (16 bytes) and no arithmetic:
// drivers do not use decimal, and mcs only needs the operators when a source
// actually computes with one.

namespace System
{
    public struct Decimal
    {
        #pragma warning disable 0169 // layout only; decimal has no operations
        private int _flags;
        private int _hi;
        private int _lo;
        private int _mid;
        #pragma warning restore 0169
    }
}
