// Cordon corlib: Dictionary<TKey, TValue>.Keys and .Values, live read-only
// views over the dictionary's entry arrays (Dictionary.cs has the layout:
// entry i is in use when _hashes[i] >= 0). They hold no copy: a key added
// after `Keys` was read is seen by the next walk, and a walk across a
// change throws, as the dictionary's own enumerator does.

using System.Collections;

namespace System.Collections.Generic
{
    public partial class Dictionary<TKey, TValue>
    {
        // The entry in use at or after `index` (moved past it), or -1 at
        // the end; a walk begun at another version throws.
        internal int NextLive(ref int index, int version)
        {
            if (version != _version)
                throw new InvalidOperationException("Collection was modified; enumeration operation may not execute.");
            while (index < _count)
            {
                int i = index++;
                if (_hashes[i] >= 0)
                    return i;
            }
            return -1;
        }

        // A view's CopyTo target must hold Count entries from `index` on.
        internal void CheckCopyTarget(Array array, int index)
        {
            if (array == null)
                throw new ArgumentNullException("array");
            if (index < 0 || index > array.Length)
                throw new ArgumentOutOfRangeException("index");
            if (array.Length - index < Count)
                throw new ArgumentException("Destination array is not long enough.");
        }

        public sealed class KeyCollection : ICollection<TKey>
        {
            Dictionary<TKey, TValue> _d;

            public KeyCollection(Dictionary<TKey, TValue> dictionary)
            {
                if (dictionary == null)
                    throw new ArgumentNullException("dictionary");
                _d = dictionary;
            }

            public int Count
            {
                get { return _d.Count; }
            }

            bool ICollection<TKey>.IsReadOnly
            {
                get { return true; }
            }

            public Enumerator GetEnumerator()
            {
                return new Enumerator(_d);
            }

            IEnumerator<TKey> IEnumerable<TKey>.GetEnumerator()
            {
                return new Enumerator(_d);
            }

            IEnumerator IEnumerable.GetEnumerator()
            {
                return new Enumerator(_d);
            }

            bool ICollection<TKey>.Contains(TKey item)
            {
                return _d.ContainsKey(item);
            }

            public void CopyTo(TKey[] array, int index)
            {
                _d.CheckCopyTarget(array, index);
                for (int i = 0; i < _d._count; i++)
                {
                    if (_d._hashes[i] >= 0)
                        array[index++] = _d._keys[i];
                }
            }

            void ICollection<TKey>.Add(TKey item)
            {
                throw new NotSupportedException("Mutating a key collection derived from a dictionary is not allowed.");
            }

            void ICollection<TKey>.Clear()
            {
                throw new NotSupportedException("Mutating a key collection derived from a dictionary is not allowed.");
            }

            bool ICollection<TKey>.Remove(TKey item)
            {
                throw new NotSupportedException("Mutating a key collection derived from a dictionary is not allowed.");
            }

            public struct Enumerator : IEnumerator<TKey>
            {
                Dictionary<TKey, TValue> _d;
                int _index;
                int _version;
                TKey _current;

                internal Enumerator(Dictionary<TKey, TValue> d)
                {
                    _d = d;
                    _index = 0;
                    _version = d._version;
                    _current = default(TKey);
                }

                public bool MoveNext()
                {
                    int i = _d.NextLive(ref _index, _version);
                    if (i < 0)
                    {
                        _current = default(TKey);
                        return false;
                    }
                    _current = _d._keys[i];
                    return true;
                }

                public TKey Current
                {
                    get { return _current; }
                }

                object IEnumerator.Current
                {
                    get { return _current; }
                }

                public void Reset()
                {
                    _index = 0;
                    _current = default(TKey);
                }

                public void Dispose()
                {
                }
            }
        }

        public sealed class ValueCollection : ICollection<TValue>
        {
            Dictionary<TKey, TValue> _d;

            public ValueCollection(Dictionary<TKey, TValue> dictionary)
            {
                if (dictionary == null)
                    throw new ArgumentNullException("dictionary");
                _d = dictionary;
            }

            public int Count
            {
                get { return _d.Count; }
            }

            bool ICollection<TValue>.IsReadOnly
            {
                get { return true; }
            }

            public Enumerator GetEnumerator()
            {
                return new Enumerator(_d);
            }

            IEnumerator<TValue> IEnumerable<TValue>.GetEnumerator()
            {
                return new Enumerator(_d);
            }

            IEnumerator IEnumerable.GetEnumerator()
            {
                return new Enumerator(_d);
            }

            bool ICollection<TValue>.Contains(TValue item)
            {
                return _d.ContainsValue(item);
            }

            public void CopyTo(TValue[] array, int index)
            {
                _d.CheckCopyTarget(array, index);
                for (int i = 0; i < _d._count; i++)
                {
                    if (_d._hashes[i] >= 0)
                        array[index++] = _d._values[i];
                }
            }

            void ICollection<TValue>.Add(TValue item)
            {
                throw new NotSupportedException("Mutating a value collection derived from a dictionary is not allowed.");
            }

            void ICollection<TValue>.Clear()
            {
                throw new NotSupportedException("Mutating a value collection derived from a dictionary is not allowed.");
            }

            bool ICollection<TValue>.Remove(TValue item)
            {
                throw new NotSupportedException("Mutating a value collection derived from a dictionary is not allowed.");
            }

            public struct Enumerator : IEnumerator<TValue>
            {
                Dictionary<TKey, TValue> _d;
                int _index;
                int _version;
                TValue _current;

                internal Enumerator(Dictionary<TKey, TValue> d)
                {
                    _d = d;
                    _index = 0;
                    _version = d._version;
                    _current = default(TValue);
                }

                public bool MoveNext()
                {
                    int i = _d.NextLive(ref _index, _version);
                    if (i < 0)
                    {
                        _current = default(TValue);
                        return false;
                    }
                    _current = _d._values[i];
                    return true;
                }

                public TValue Current
                {
                    get { return _current; }
                }

                object IEnumerator.Current
                {
                    get { return _current; }
                }

                public void Reset()
                {
                    _index = 0;
                    _current = default(TValue);
                }

                public void Dispose()
                {
                }
            }
        }
    }
}
