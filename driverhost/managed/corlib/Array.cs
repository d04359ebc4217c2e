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

        // INTERNALCALL: the number of dimensions (1 for a T[]). Cordon's
        // multi-dimensional arrays have zero lower bounds.
        public extern int Rank
        {
            [MethodImpl(MethodImplOptions.InternalCall)]
            get;
        }

        // INTERNALCALL: the length of `dimension`, or -1 if out of range.
        [MethodImpl(MethodImplOptions.InternalCall)]
        private extern int GetLengthCore(int dimension);

        public int GetLength(int dimension)
        {
            int n = GetLengthCore(dimension);
            if (n < 0)
                throw new IndexOutOfRangeException();
            return n;
        }

        public int GetLowerBound(int dimension)
        {
            GetLength(dimension);
            return 0;
        }

        public int GetUpperBound(int dimension)
        {
            return GetLength(dimension) - 1;
        }

        // INTERNALCALL: a new zeroed array, one dimension per length
        // (checked here: non-negative); the element type by its handle.
        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern Array CreateInstanceCore(IntPtr elementType, int[] lengths);

        public static Array CreateInstance(Type elementType, int length)
        {
            int[] l = new int[1];
            l[0] = length;
            return CreateInstance(elementType, l);
        }

        public static Array CreateInstance(Type elementType, int length1, int length2)
        {
            int[] l = new int[2];
            l[0] = length1;
            l[1] = length2;
            return CreateInstance(elementType, l);
        }

        public static Array CreateInstance(Type elementType, params int[] lengths)
        {
            if (elementType == null)
                throw new ArgumentNullException("elementType");
            if (lengths == null)
                throw new ArgumentNullException("lengths");
            if (lengths.Length == 0)
                throw new ArgumentException("Must provide at least one rank.");
            for (int i = 0; i < lengths.Length; i++)
            {
                if (lengths[i] < 0)
                    throw new ArgumentOutOfRangeException("lengths");
            }
            return CreateInstanceCore(elementType.TypeHandle.Value, lengths);
        }

        // INTERNALCALL: store `value` at element `index` of the flat
        // storage (unboxed for values; the exact element type only).
        [MethodImpl(MethodImplOptions.InternalCall)]
        private extern void SetValueCore(object value, int index);

        public void SetValue(object value, int index)
        {
            if (Rank != 1)
                throw new ArgumentException("Only single dimension arrays are supported here.");
            SetValueCore(value, index);
        }

        public void SetValue(object value, int index1, int index2)
        {
            if (Rank != 2)
                throw new ArgumentException("Array was not a two-dimensional array.");
            int n1 = GetLength(1);
            if ((uint)index1 >= (uint)GetLength(0) || (uint)index2 >= (uint)n1)
                throw new IndexOutOfRangeException();
            SetValueCore(value, index1 * n1 + index2);
        }

        // Element [i, j] of a two-dimensional array, boxed if a value.
        public object GetValue(int index1, int index2)
        {
            if (Rank != 2)
                throw new ArgumentException("Array was not a two-dimensional array.");
            int n1 = GetLength(1);
            if ((uint)index1 >= (uint)GetLength(0) || (uint)index2 >= (uint)n1)
                throw new IndexOutOfRangeException();
            return GetValue(index1 * n1 + index2);
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
