// Cordon corlib: Queue<T> (a ring buffer) and Stack<T>.

namespace System.Collections.Generic
{
    public class Queue<T>
    {
        T[] _array = new T[4];
        int _head;
        int _size;

        public int Count
        {
            get { return _size; }
        }

        public void Enqueue(T item)
        {
            if (_size == _array.Length)
            {
                T[] bigger = new T[_array.Length * 2];
                for (int i = 0; i < _size; i++)
                    bigger[i] = _array[(_head + i) % _array.Length];
                _array = bigger;
                _head = 0;
            }
            _array[(_head + _size) % _array.Length] = item;
            _size++;
        }

        public T Dequeue()
        {
            if (_size == 0)
                throw new InvalidOperationException("Queue empty.");
            T item = _array[_head];
            _array[_head] = default(T);
            _head = (_head + 1) % _array.Length;
            _size--;
            return item;
        }

        public T Peek()
        {
            if (_size == 0)
                throw new InvalidOperationException("Queue empty.");
            return _array[_head];
        }

        public bool Contains(T item)
        {
            EqualityComparer<T> c = EqualityComparer<T>.Default;
            for (int i = 0; i < _size; i++)
            {
                if (c.Equals(_array[(_head + i) % _array.Length], item))
                    return true;
            }
            return false;
        }

        public void Clear()
        {
            _array = new T[4];
            _head = 0;
            _size = 0;
        }
    }

    public class Stack<T>
    {
        T[] _array = new T[4];
        int _size;

        public int Count
        {
            get { return _size; }
        }

        public void Push(T item)
        {
            if (_size == _array.Length)
            {
                T[] bigger = new T[_array.Length * 2];
                Array.Copy(_array, bigger, _size);
                _array = bigger;
            }
            _array[_size++] = item;
        }

        public T Pop()
        {
            if (_size == 0)
                throw new InvalidOperationException("Stack empty.");
            T item = _array[--_size];
            _array[_size] = default(T);
            return item;
        }

        public T Peek()
        {
            if (_size == 0)
                throw new InvalidOperationException("Stack empty.");
            return _array[_size - 1];
        }

        public bool Contains(T item)
        {
            EqualityComparer<T> c = EqualityComparer<T>.Default;
            for (int i = 0; i < _size; i++)
            {
                if (c.Equals(_array[i], item))
                    return true;
            }
            return false;
        }

        public void Clear()
        {
            _array = new T[4];
            _size = 0;
        }
    }
}
