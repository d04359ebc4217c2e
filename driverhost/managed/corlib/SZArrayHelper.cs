// Cordon corlib: what a T[] answers through IList<T>, ICollection<T> and
// IEnumerable<T>.
//
// Contract with the runtime (jit/src/types/array_interfaces.rs): every
// vector type T[] lists those interfaces in its interface map, and each of
// their methods' slots holds the method of SZArrayHelper<T> with the same
// name and signature. So these methods run with `this` being the array,
// never an SZArrayHelper<T> (none is ever made); Self() checks that with a
// cast. Arrays have a fixed size: what would change it throws
// NotSupportedException, and IsReadOnly is true, as in mono.

using System.Collections;
using System.Collections.Generic;

namespace System
{
    internal sealed class SZArrayHelper<T>
    {
        SZArrayHelper()
        {
        }

        T[] Self()
        {
            return (T[])(object)this;
        }

        public int Count
        {
            get { return Self().Length; }
        }

        public bool IsReadOnly
        {
            get { return true; }
        }

        public T this[int index]
        {
            get
            {
                T[] a = Self();
                if ((uint)index >= (uint)a.Length)
                    throw new ArgumentOutOfRangeException("index");
                return a[index];
            }
            set
            {
                T[] a = Self();
                if ((uint)index >= (uint)a.Length)
                    throw new ArgumentOutOfRangeException("index");
                a[index] = value;
            }
        }

        public int IndexOf(T item)
        {
            T[] a = Self();
            EqualityComparer<T> c = EqualityComparer<T>.Default;
            for (int i = 0; i < a.Length; i++)
            {
                if (c.Equals(a[i], item))
                    return i;
            }
            return -1;
        }

        public bool Contains(T item)
        {
            return IndexOf(item) >= 0;
        }

        public void CopyTo(T[] array, int arrayIndex)
        {
            T[] a = Self();
            if (array == null)
                throw new ArgumentNullException("array");
            if (arrayIndex < 0)
                throw new ArgumentOutOfRangeException("arrayIndex");
            if (array.Length - arrayIndex < a.Length)
                throw new ArgumentException("Destination array was not long enough.");
            Array.Copy(a, 0, array, arrayIndex, a.Length);
        }

        public void Add(T item)
        {
            throw new NotSupportedException("Collection is of a fixed size");
        }

        public void Insert(int index, T item)
        {
            throw new NotSupportedException("Collection is of a fixed size");
        }

        public bool Remove(T item)
        {
            throw new NotSupportedException("Collection is of a fixed size");
        }

        public void RemoveAt(int index)
        {
            throw new NotSupportedException("Collection is of a fixed size");
        }

        public void Clear()
        {
            throw new NotSupportedException("Collection is read-only");
        }

        public IEnumerator<T> GetEnumerator()
        {
            return new Enumerator(Self());
        }

        // Walks the array from index -1; Current outside the walk throws.
        sealed class Enumerator : IEnumerator<T>
        {
            T[] _array;
            int _index = -1;

            public Enumerator(T[] array)
            {
                _array = array;
            }

            public bool MoveNext()
            {
                if (_index < _array.Length)
                    _index++;
                return _index < _array.Length;
            }

            public T Current
            {
                get
                {
                    if (_index < 0 || _index >= _array.Length)
                        throw new InvalidOperationException("Enumeration has either not started or has already finished.");
                    return _array[_index];
                }
            }

            object IEnumerator.Current
            {
                get { return Current; }
            }

            public void Reset()
            {
                _index = -1;
            }

            public void Dispose()
            {
            }
        }
    }
}
