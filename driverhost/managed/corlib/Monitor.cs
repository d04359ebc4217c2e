// Cordon corlib: System.Threading.Monitor, what C#'s `lock` compiles to
// (Enter(object, ref bool) in a try, Exit in the finally).
//
// A runtime runs one managed thread (docs/jit.md), so a lock is never
// contended: Enter records the object and a recursion count, Exit takes
// one count off and throws SynchronizationLockException for an object not
// entered, as .NET does. With more threads this must become a real lock
// (an owner thread and a wait queue per object); the bookkeeping here is
// the single-thread part of that.

namespace System.Threading
{
    public class SynchronizationLockException : SystemException
    {
        public SynchronizationLockException() : base("Object synchronization method was called from an unsynchronized block of code.") { }
        public SynchronizationLockException(string message) : base(message) { }
    }

    public static class Monitor
    {
        static object[] _held = new object[4];
        static int[] _counts = new int[4];
        static int _n;

        public static void Enter(object obj)
        {
            if (obj == null)
                throw new ArgumentNullException("obj");
            int i = Find(obj);
            if (i >= 0)
            {
                _counts[i]++;
                return;
            }
            if (_n == _held.Length)
            {
                object[] held = new object[_n * 2];
                int[] counts = new int[_n * 2];
                Array.Copy(_held, held, _n);
                Array.Copy(_counts, counts, _n);
                _held = held;
                _counts = counts;
            }
            _held[_n] = obj;
            _counts[_n] = 1;
            _n++;
        }

        public static void Enter(object obj, ref bool lockTaken)
        {
            if (lockTaken)
                throw new ArgumentException("The lockTaken argument must be false.");
            Enter(obj);
            lockTaken = true;
        }

        public static bool TryEnter(object obj)
        {
            Enter(obj);
            return true;
        }

        public static void Exit(object obj)
        {
            if (obj == null)
                throw new ArgumentNullException("obj");
            int i = Find(obj);
            if (i < 0)
                throw new SynchronizationLockException();
            if (--_counts[i] > 0)
                return;
            _n--;
            _held[i] = _held[_n];
            _counts[i] = _counts[_n];
            _held[_n] = null;
        }

        public static bool IsEntered(object obj)
        {
            if (obj == null)
                throw new ArgumentNullException("obj");
            return Find(obj) >= 0;
        }

        static int Find(object obj)
        {
            for (int i = 0; i < _n; i++)
            {
                if (_held[i] == obj)
                    return i;
            }
            return -1;
        }
    }
}
