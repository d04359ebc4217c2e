// Cordon corlib: System.Array, the base class of every T[].
//
// Array types themselves (int[], Foo[] ...) are made by the runtime; their
// layout (header, length, elements at element-size stride: seed bug 1) is
// the runtime's contract with the JIT, not something C# declares. Typed code
// uses the `ldlen` opcode; this class only serves code holding an `Array`.

using System.Collections;
using System.Runtime.CompilerServices;

namespace System
{
    public abstract class Array : IEnumerable, ICloneable
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

        // INTERNALCALL: a new array of the same type and length holding the
        // same elements (a shallow copy).
        [MethodImpl(MethodImplOptions.InternalCall)]
        public extern object Clone();

        // INTERNALCALL: element `index`, boxed when it is a value.
        [MethodImpl(MethodImplOptions.InternalCall)]
        public extern object GetValue(int index);

        // INTERNALCALL: the typed copy behind Copy, ranges already checked:
        // the same element type copies as memory (overlap allowed),
        // references into another reference type are cast one by one
        // (InvalidCastException), anything else is an
        // ArrayTypeMismatchException.
        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern void CopyCore(Array sourceArray, int sourceIndex, Array destinationArray, int destinationIndex, int length);

        public static void Copy(Array sourceArray, Array destinationArray, int length)
        {
            Copy(sourceArray, 0, destinationArray, 0, length);
        }

        public static void Copy(Array sourceArray, int sourceIndex, Array destinationArray, int destinationIndex, int length)
        {
            if (sourceArray == null)
                throw new ArgumentNullException("sourceArray");
            if (destinationArray == null)
                throw new ArgumentNullException("destinationArray");
            if (length < 0)
                throw new ArgumentOutOfRangeException("length");
            if (sourceIndex < 0)
                throw new ArgumentOutOfRangeException("sourceIndex");
            if (destinationIndex < 0)
                throw new ArgumentOutOfRangeException("destinationIndex");
            if (sourceIndex > sourceArray.Length - length || destinationIndex > destinationArray.Length - length)
                throw new ArgumentException("Destination array was not long enough. Check destIndex and length, and the array's lower bounds.");
            CopyCore(sourceArray, sourceIndex, destinationArray, destinationIndex, length);
        }

        // `foreach` over an array typed as IEnumerable (typed code uses
        // ldelem directly): elements as objects, boxed if values.
        public IEnumerator GetEnumerator()
        {
            return new ArrayEnumerator(this);
        }

        // The first index whose element Equals `value` (Object.Equals: a
        // boxed element compares by value), or -1.
        public static int IndexOf(Array array, object value)
        {
            if (array == null)
                throw new ArgumentNullException("array");
            return IndexOf(array, value, 0);
        }

        public static int IndexOf(Array array, object value, int startIndex)
        {
            if (array == null)
                throw new ArgumentNullException("array");
            if (startIndex < 0 || startIndex > array.Length)
                throw new ArgumentOutOfRangeException("startIndex");
            for (int i = startIndex; i < array.Length; i++)
            {
                if (Object.Equals(array.GetValue(i), value))
                    return i;
            }
            return -1;
        }
    }

    internal sealed class ArrayEnumerator : IEnumerator
    {
        Array _array;
        int _index = -1;

        public ArrayEnumerator(Array array)
        {
            _array = array;
        }

        public bool MoveNext()
        {
            if (_index < _array.Length)
                _index++;
            return _index < _array.Length;
        }

        public object Current
        {
            get
            {
                if (_index < 0 || _index >= _array.Length)
                    throw new InvalidOperationException("Enumeration has either not started or has already finished.");
                return _array.GetValue(_index);
            }
        }

        public void Reset()
        {
            _index = -1;
        }
    }
}
