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

        // INTERNALCALL: the number of dimensions (1 for a T[]).
        public extern int Rank
        {
            [MethodImpl(MethodImplOptions.InternalCall)]
            get;
        }

        // INTERNALCALL: the length of `dimension`, or -1 if out of range.
        [MethodImpl(MethodImplOptions.InternalCall)]
        private extern int GetLengthCore(int dimension);

        // INTERNALCALL: the lower bound of `dimension`, checked by the
        // caller (0 for a T[] and for what C# creates; CreateInstance with
        // lower bounds makes others).
        [MethodImpl(MethodImplOptions.InternalCall)]
        private extern int GetLowerBoundCore(int dimension);

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
            return GetLowerBoundCore(dimension);
        }

        public int GetUpperBound(int dimension)
        {
            return GetLowerBound(dimension) + GetLength(dimension) - 1;
        }

        // INTERNALCALL: a new zeroed array, one dimension per length
        // (checked here: non-negative), lower bounds 0 when `lowerBounds`
        // is null; the element type by its handle. One length with lower
        // bound 0 makes a T[].
        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern Array CreateInstanceCore(IntPtr elementType, int[] lengths, int[] lowerBounds);

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
            if (lengths == null)
                throw new ArgumentNullException("lengths");
            return CreateInstance(elementType, lengths, null);
        }

        public static Array CreateInstance(Type elementType, int[] lengths, int[] lowerBounds)
        {
            if (elementType == null)
                throw new ArgumentNullException("elementType");
            if (lengths == null)
                throw new ArgumentNullException("lengths");
            if (lengths.Length == 0)
                throw new ArgumentException("Must provide at least one rank.");
            if (lowerBounds != null && lowerBounds.Length != lengths.Length)
                throw new ArgumentException("The length of lengths and lowerBounds must match.");
            for (int i = 0; i < lengths.Length; i++)
            {
                if (lengths[i] < 0)
                    throw new ArgumentOutOfRangeException("lengths");
            }
            return CreateInstanceCore(elementType.TypeHandle.Value, lengths, lowerBounds);
        }

        // INTERNALCALL: store `value` at element `index` of the flat
        // storage: unboxed for values, primitives widened as .NET does.
        // Answers 0 when stored, 1 for a value of the wrong type, 2 for a
        // primitive that does not widen to the element type.
        [MethodImpl(MethodImplOptions.InternalCall)]
        private extern int SetValueCore(object value, int index);

        // INTERNALCALL: element `index` of the flat storage, boxed when it
        // is a value.
        [MethodImpl(MethodImplOptions.InternalCall)]
        internal extern object GetValueCore(int index);

        // The flat (row-major) index of `indices`, each taken relative to
        // its dimension's lower bound.
        int FlatIndex(int[] indices)
        {
            if (indices == null)
                throw new ArgumentNullException("indices");
            if (indices.Length != Rank)
                throw new ArgumentException("Indices length does not match the array rank.");
            int flat = 0;
            for (int d = 0; d < indices.Length; d++)
            {
                int n = GetLengthCore(d);
                int i = indices[d] - GetLowerBoundCore(d);
                if ((uint)i >= (uint)n)
                    throw new IndexOutOfRangeException();
                flat = flat * n + i;
            }
            return flat;
        }

        void Store(object value, int flat)
        {
            int r = SetValueCore(value, flat);
            if (r == 1)
                throw new InvalidCastException("Object cannot be stored in an array of this type.");
            if (r == 2)
                throw new ArgumentException("Object type cannot be converted to target type.");
        }

        public void SetValue(object value, int index)
        {
            if (Rank != 1)
                throw new ArgumentException("Only single dimension arrays are supported here.");
            Store(value, FlatIndex(new int[] { index }));
        }

        public void SetValue(object value, int index1, int index2)
        {
            Store(value, FlatIndex(new int[] { index1, index2 }));
        }

        public void SetValue(object value, int index1, int index2, int index3)
        {
            Store(value, FlatIndex(new int[] { index1, index2, index3 }));
        }

        public void SetValue(object value, params int[] indices)
        {
            Store(value, FlatIndex(indices));
        }

        // Element `index` of a one-dimensional array, boxed if a value.
        public object GetValue(int index)
        {
            if (Rank != 1)
                throw new ArgumentException("Only single dimension arrays are supported here.");
            return GetValueCore(FlatIndex(new int[] { index }));
        }

        // Element [i, j] of a two-dimensional array, boxed if a value.
        public object GetValue(int index1, int index2)
        {
            return GetValueCore(FlatIndex(new int[] { index1, index2 }));
        }

        public object GetValue(int index1, int index2, int index3)
        {
            return GetValueCore(FlatIndex(new int[] { index1, index2, index3 }));
        }

        public object GetValue(params int[] indices)
        {
            return GetValueCore(FlatIndex(indices));
        }

        // INTERNALCALL: a new array of the same type and length holding the
        // same elements (a shallow copy).
        [MethodImpl(MethodImplOptions.InternalCall)]
        public extern object Clone();

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
                if (Object.Equals(array.GetValueCore(i), value))
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
                return _array.GetValueCore(_index);
            }
        }

        public void Reset()
        {
            _index = -1;
        }
    }
}
