// Cordon corlib: HashSet<T>, a Dictionary<T, bool> underneath.

using System.Collections;

namespace System.Collections.Generic
{
    public class HashSet<T> : IEnumerable<T>
    {
        Dictionary<T, bool> _d;

        public HashSet()
        {
            _d = new Dictionary<T, bool>();
        }

        public HashSet(IEqualityComparer<T> comparer)
        {
            _d = new Dictionary<T, bool>(comparer);
        }

        public int Count
        {
            get { return _d.Count; }
        }

        public bool Add(T item)
        {
            if (_d.ContainsKey(item))
                return false;
            _d.Add(item, true);
            return true;
        }

        public bool Contains(T item)
        {
            return _d.ContainsKey(item);
        }

        public bool Remove(T item)
        {
            return _d.Remove(item);
        }

        public void Clear()
        {
            _d.Clear();
        }

        public void UnionWith(IEnumerable<T> other)
        {
            foreach (T x in other)
                Add(x);
        }

        public Enumerator GetEnumerator()
        {
            return new Enumerator(_d.GetEnumerator());
        }

        IEnumerator<T> IEnumerable<T>.GetEnumerator()
        {
            return GetEnumerator();
        }

        IEnumerator IEnumerable.GetEnumerator()
        {
            return GetEnumerator();
        }

        public struct Enumerator : IEnumerator<T>
        {
            Dictionary<T, bool>.Enumerator _e;

            internal Enumerator(Dictionary<T, bool>.Enumerator e)
            {
                _e = e;
            }

            public bool MoveNext()
            {
                return _e.MoveNext();
            }

            public T Current
            {
                get { return _e.Current.Key; }
            }

            object IEnumerator.Current
            {
                get { return _e.Current.Key; }
            }

            public void Reset()
            {
                _e.Reset();
            }

            public void Dispose()
            {
            }
        }
    }
}
