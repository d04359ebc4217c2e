// Cordon corlib: System.Array, the base class of every T[].
//
// Array types themselves (int[], Foo[] ...) are made by the runtime; their
// layout (header, length, elements at element-size stride: seed bug 1) is
// the runtime's contract with the JIT, not something C# declares. Typed code
// uses the `ldlen` opcode; this class only serves code holding an `Array`.

using System.Runtime.CompilerServices;

namespace System
{
    public abstract class Array
    {
        protected Array()
        {
        }

        // INTERNALCALL: the element count, exactly what `ldlen` gives.
        public extern int Length
        {
            [MethodImpl(MethodImplOptions.InternalCall)]
            get;
        }

        public int Rank
        {
            // Cordon supports single-dimensional, zero-based arrays only.
            get { return 1; }
        }
    }
}
