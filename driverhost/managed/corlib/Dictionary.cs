// Cordon corlib: Dictionary<TKey, TValue>, a chained hash table in arrays:
// _buckets[hash % n] is 1 + the index of the first entry of that chain
// (0: empty), _next links entries of a chain (-1 ends it); removed entries
// form a free list through _next. Enumeration goes in entry order, which
// for a dictionary never removed from is insertion order, as in .NET.

using System.Collections;

namespace System.Collections.Generic
{
    public partial class Dictionary<TKey, TValue> : IEnumerable<KeyValuePair<TKey, TValue>>
    {
        int[] _buckets;
        int[] _hashes;
        int[] _next;
        TKey[] _keys;
        TValue[] _values;
        int _count;      // entries used, including freed ones
        int _freeList = -1;
        int _freeCount;
        int _version;
        IEqualityComparer<TKey> _comparer;

        public Dictionary() : this(0, null)
        {
        }

        public Dictionary(int capacity) : this(capacity, null)
        {
        }

        public Dictionary(IEqualityComparer<TKey> comparer) : this(0, comparer)
        {
        }

        public Dictionary(int capacity, IEqualityComparer<TKey> comparer)
        {
            if (capacity < 0)
                throw new ArgumentOutOfRangeException("capacity");
            _comparer = comparer != null ? comparer : EqualityComparer<TKey>.Default;
            Allocate(capacity < 4 ? 4 : capacity);
        }

        void Allocate(int n)
        {
            _buckets = new int[n];
            _hashes = new int[n];
            _next = new int[n];
            _keys = new TKey[n];
            _values = new TValue[n];
        }

        public int Count
        {
            get { return _count - _freeCount; }
        }

        public TValue this[TKey key]
        {
            get
            {
                int i = FindEntry(key);
                if (i < 0)
                    throw new KeyNotFoundException();
                return _values[i];
            }
            set { Insert(key, value, false); }
        }

        public void Add(TKey key, TValue value)
        {
            Insert(key, value, true);
        }

        public bool TryGetValue(TKey key, out TValue value)
        {
            int i = FindEntry(key);
            if (i >= 0)
            {
                value = _values[i];
                return true;
            }
            value = default(TValue);
            return false;
        }

        public bool ContainsKey(TKey key)
        {
            return FindEntry(key) >= 0;
        }

        public bool ContainsValue(TValue value)
        {
            EqualityComparer<TValue> c = EqualityComparer<TValue>.Default;
            for (int i = 0; i < _count; i++)
            {
                if (_hashes[i] >= 0 && c.Equals(_values[i], value))
                    return true;
            }
            return false;
        }

        int Hash(TKey key)
        {
            if (key == null)
                throw new ArgumentNullException("key");
            return _comparer.GetHashCode(key) & 0x7FFFFFFF;
        }

        int FindEntry(TKey key)
        {
            int h = Hash(key);
            for (int i = _buckets[h % _buckets.Length] - 1; i >= 0; i = _next[i])
            {
                if (_hashes[i] == h && _comparer.Equals(_keys[i], key))
                    return i;
            }
            return -1;
        }

        void Insert(TKey key, TValue value, bool add)
        {
            int h = Hash(key);
            int b = h % _buckets.Length;
            for (int i = _buckets[b] - 1; i >= 0; i = _next[i])
            {
                if (_hashes[i] == h && _comparer.Equals(_keys[i], key))
                {
                    if (add)
                        throw new ArgumentException("An item with the same key has already been added.");
                    _values[i] = value;
                    _version++;
                    return;
                }
            }
            int e;
            if (_freeCount > 0)
            {
                e = _freeList;
                _freeList = _next[e];
                _freeCount--;
            }
            else
            {
                if (_count == _hashes.Length)
                {
                    Resize();
                    b = h % _buckets.Length;
                }
                e = _count++;
            }
            _hashes[e] = h;
            _keys[e] = key;
            _values[e] = value;
            _next[e] = _buckets[b] - 1;
            _buckets[b] = e + 1;
            _version++;
        }

        void Resize()
        {
            int n = _hashes.Length * 2;
            int[] hashes = new int[n];
            int[] next = new int[n];
            TKey[] keys = new TKey[n];
            TValue[] values = new TValue[n];
            Array.Copy(_hashes, hashes, _count);
            Array.Copy(_keys, keys, _count);
            Array.Copy(_values, values, _count);
            int[] buckets = new int[n];
            for (int i = 0; i < _count; i++)
            {
                if (hashes[i] < 0)
                    continue;
                int b = hashes[i] % n;
                next[i] = buckets[b] - 1;
                buckets[b] = i + 1;
            }
            _buckets = buckets;
            _hashes = hashes;
            _next = next;
            _keys = keys;
            _values = values;
        }

        public bool Remove(TKey key)
        {
            int h = Hash(key);
            int b = h % _buckets.Length;
            int last = -1;
            for (int i = _buckets[b] - 1; i >= 0; last = i, i = _next[i])
            {
                if (_hashes[i] == h && _comparer.Equals(_keys[i], key))
                {
                    if (last < 0)
                        _buckets[b] = _next[i] + 1;
                    else
                        _next[last] = _next[i];
                    _hashes[i] = -1;
                    _next[i] = _freeList;
                    _keys[i] = default(TKey);
                    _values[i] = default(TValue);
                    _freeList = i;
                    _freeCount++;
                    _version++;
                    return true;
                }
            }
            return false;
        }

        public void Clear()
        {
            if (_count == 0)
                return;
            Allocate(_hashes.Length);
            _count = 0;
            _freeList = -1;
            _freeCount = 0;
            _version++;
        }

        // Live views of the keys and values (Dictionary.Views.cs), made
        // once: they see every later change, as in .NET.
        KeyCollection _keyView;
        ValueCollection _valueView;

        public KeyCollection Keys
        {
            get
            {
                if (_keyView == null)
                    _keyView = new KeyCollection(this);
                return _keyView;
            }
        }

        public ValueCollection Values
        {
            get
            {
                if (_valueView == null)
                    _valueView = new ValueCollection(this);
                return _valueView;
            }
        }

        public Enumerator GetEnumerator()
        {
            return new Enumerator(this);
        }

        IEnumerator<KeyValuePair<TKey, TValue>> IEnumerable<KeyValuePair<TKey, TValue>>.GetEnumerator()
        {
            return new Enumerator(this);
        }

        IEnumerator IEnumerable.GetEnumerator()
        {
            return new Enumerator(this);
        }

        public struct Enumerator : IEnumerator<KeyValuePair<TKey, TValue>>
        {
            Dictionary<TKey, TValue> _d;
            int _index;
            int _version;
            KeyValuePair<TKey, TValue> _current;

            internal Enumerator(Dictionary<TKey, TValue> d)
            {
                _d = d;
                _index = 0;
                _version = d._version;
                _current = new KeyValuePair<TKey, TValue>();
            }

            public bool MoveNext()
            {
                if (_version != _d._version)
                    throw new InvalidOperationException("Collection was modified; enumeration operation may not execute.");
                while (_index < _d._count)
                {
                    int i = _index++;
                    if (_d._hashes[i] >= 0)
                    {
                        _current = new KeyValuePair<TKey, TValue>(_d._keys[i], _d._values[i]);
                        return true;
                    }
                }
                return false;
            }

            public KeyValuePair<TKey, TValue> Current
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
            }

            public void Dispose()
            {
            }
        }
    }
}
