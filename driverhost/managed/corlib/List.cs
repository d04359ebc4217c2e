// Cordon corlib: List<T>, a growable array. Each instantiation is compiled
// for its T (docs/jit.md, "Generics"): a List<int> keeps an int[].

using System.Collections;

namespace System.Collections.Generic
{
    public class List<T> : IList<T>
    {
        T[] _items;
        int _size;
        int _version;

        public List()
        {
            _items = new T[0];
        }

        public List(int capacity)
        {
            if (capacity < 0)
                throw new ArgumentOutOfRangeException("capacity");
            _items = new T[capacity];
        }

        public List(IEnumerable<T> collection)
        {
            _items = new T[0];
            AddRange(collection);
        }

        public int Count
        {
            get { return _size; }
        }

        public int Capacity
        {
            get { return _items.Length; }
        }

        public bool IsReadOnly
        {
            get { return false; }
        }

        public T this[int index]
        {
            get
            {
                if ((uint)index >= (uint)_size)
                    throw new ArgumentOutOfRangeException("index");
                return _items[index];
            }
            set
            {
                if ((uint)index >= (uint)_size)
                    throw new ArgumentOutOfRangeException("index");
                _items[index] = value;
                _version++;
            }
        }

        public void Add(T item)
        {
            if (_size == _items.Length)
                Grow(_size + 1);
            _items[_size++] = item;
            _version++;
        }

        public void AddRange(IEnumerable<T> collection)
        {
            if (collection == null)
                throw new ArgumentNullException("collection");
            foreach (T item in collection)
                Add(item);
        }

        void Grow(int min)
        {
            int n = _items.Length == 0 ? 4 : _items.Length * 2;
            if (n < min)
                n = min;
            T[] bigger = new T[n];
            Array.Copy(_items, bigger, _size);
            _items = bigger;
        }

        public void Insert(int index, T item)
        {
            if ((uint)index > (uint)_size)
                throw new ArgumentOutOfRangeException("index");
            if (_size == _items.Length)
                Grow(_size + 1);
            for (int i = _size; i > index; i--)
                _items[i] = _items[i - 1];
            _items[index] = item;
            _size++;
            _version++;
        }

        public void RemoveAt(int index)
        {
            if ((uint)index >= (uint)_size)
                throw new ArgumentOutOfRangeException("index");
            _size--;
            for (int i = index; i < _size; i++)
                _items[i] = _items[i + 1];
            _items[_size] = default(T);
            _version++;
        }

        public bool Remove(T item)
        {
            int i = IndexOf(item);
            if (i < 0)
                return false;
            RemoveAt(i);
            return true;
        }

        public int IndexOf(T item)
        {
            EqualityComparer<T> c = EqualityComparer<T>.Default;
            for (int i = 0; i < _size; i++)
            {
                if (c.Equals(_items[i], item))
                    return i;
            }
            return -1;
        }

        public bool Contains(T item)
        {
            return IndexOf(item) >= 0;
        }

        public void Clear()
        {
            for (int i = 0; i < _size; i++)
                _items[i] = default(T);
            _size = 0;
            _version++;
        }

        public void CopyTo(T[] array, int arrayIndex)
        {
            Array.Copy(_items, 0, array, arrayIndex, _size);
        }

        public T[] ToArray()
        {
            T[] a = new T[_size];
            Array.Copy(_items, a, _size);
            return a;
        }

        public void Reverse()
        {
            for (int i = 0, j = _size - 1; i < j; i++, j--)
            {
                T t = _items[i];
                _items[i] = _items[j];
                _items[j] = t;
            }
            _version++;
        }

        public T Find(Predicate<T> match)
        {
            for (int i = 0; i < _size; i++)
            {
                if (match(_items[i]))
                    return _items[i];
            }
            return default(T);
        }

        public bool Exists(Predicate<T> match)
        {
            for (int i = 0; i < _size; i++)
            {
                if (match(_items[i]))
                    return true;
            }
            return false;
        }

        public int RemoveAll(Predicate<T> match)
        {
            int kept = 0;
            for (int i = 0; i < _size; i++)
            {
                if (!match(_items[i]))
                    _items[kept++] = _items[i];
            }
            int removed = _size - kept;
            for (int i = kept; i < _size; i++)
                _items[i] = default(T);
            _size = kept;
            _version++;
            return removed;
        }

        public void ForEach(Action<T> action)
        {
            for (int i = 0; i < _size; i++)
                action(_items[i]);
        }

        public void Sort()
        {
            Sort(Comparer<T>.Default);
        }

        public void Sort(Comparison<T> comparison)
        {
            Sort(new ComparisonComparer<T>(comparison));
        }

        // Insertion sort: stable, and the lists drivers sort are short.
        public void Sort(IComparer<T> comparer)
        {
            for (int i = 1; i < _size; i++)
            {
                T x = _items[i];
                int j = i - 1;
                while (j >= 0 && comparer.Compare(_items[j], x) > 0)
                {
                    _items[j + 1] = _items[j];
                    j--;
                }
                _items[j + 1] = x;
            }
            _version++;
        }

        public Enumerator GetEnumerator()
        {
            return new Enumerator(this);
        }

        IEnumerator<T> IEnumerable<T>.GetEnumerator()
        {
            return new Enumerator(this);
        }

        IEnumerator IEnumerable.GetEnumerator()
        {
            return new Enumerator(this);
        }

        public struct Enumerator : IEnumerator<T>
        {
            List<T> _list;
            int _index;
            int _version;
            T _current;

            internal Enumerator(List<T> list)
            {
                _list = list;
                _index = 0;
                _version = list._version;
                _current = default(T);
            }

            public bool MoveNext()
            {
                if (_version != _list._version)
                    throw new InvalidOperationException("Collection was modified; enumeration operation may not execute.");
                if (_index < _list._size)
                {
                    _current = _list._items[_index];
                    _index++;
                    return true;
                }
                _current = default(T);
                return false;
            }

            public T Current
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
                _current = default(T);
            }

            public void Dispose()
            {
            }
        }
    }
}
