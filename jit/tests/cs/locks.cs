// JIT tests: `lock` (Monitor.Enter/Exit around a try/finally) on one
// thread: nesting, re-entry, release on exception, Exit without Enter.
//
// Convention: `static int test_<N>_<name>()` passes when it returns N.

using System;
using System.Threading;

class Account
{
    readonly object _gate = new object();
    int _balance;

    public void Deposit(int n)
    {
        lock (_gate)
        {
            _balance += n;
        }
    }

    public int Transfer(int n)
    {
        lock (_gate)
        {
            Deposit(n); // re-entered by the same thread
            return _balance;
        }
    }
}

static class Locks
{
    static object _a = new object();
    static object _b = new object();

    static int test_10_lock_protects_block()
    {
        Account acc = new Account();
        acc.Deposit(4);
        return acc.Transfer(6);
    }

    static int test_3_nested_locks()
    {
        int r = 0;
        lock (_a)
        {
            r++;
            lock (_b)
            {
                r++;
            }
            r++;
        }
        return r;
    }

    static int test_1_released_after_exception()
    {
        try
        {
            lock (_a)
            {
                throw new InvalidOperationException();
            }
        }
        catch (InvalidOperationException)
        {
        }
        return Monitor.IsEntered(_a) ? 0 : 1;
    }

    static int test_1_entered_inside_lock()
    {
        lock (_b)
        {
            return Monitor.IsEntered(_b) ? 1 : 0;
        }
    }

    static int test_1_exit_without_enter_throws()
    {
        try
        {
            Monitor.Exit(new object());
        }
        catch (SynchronizationLockException)
        {
            return 1;
        }
        return 0;
    }

    static int test_1_lock_null_throws()
    {
        object o = null;
        try
        {
            lock (o)
            {
                return 0;
            }
        }
        catch (ArgumentNullException)
        {
            return 1;
        }
    }
}
