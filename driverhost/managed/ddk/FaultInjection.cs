namespace Cordon.Ddk
{
    /// <summary>The driver host's fault injections on the I/O path (off by
    /// default; `inject=NAME inject-after=N` in the driver host's
    /// arguments, docs/driverhost.md "Fault injections"). <see cref="BlockHost"/>
    /// calls <see cref="BeforeRequest"/> before it hands each request to the
    /// driver; once N requests have gone to the driver the injected fault
    /// happens here, in compiled managed code, with the requests the
    /// clients already sent still in flight. Nothing here is a planted
    /// dereference in Rust: the loop, the store and the allocations are
    /// this class's own IL, compiled by the JIT.</summary>
    internal sealed class FaultInjection
    {
        // Native.InjectedFault's values (driverhost/src/inject.rs).
        const int None = 0;
        const int Hang = 1;
        const int WildStore = 2;
        const int Exhaust = 3;
        // 4 (always-fault) is the JIT's switch, not a managed injection.
        const int Overflow = 5;
        const int Throw = 6;
        const int ZeroLength = 7;

        // Cleared once a store that did not fault has happened: one wild
        // store per injection, not one per later request.
        int kind;
        readonly int after;
        int handed;

        // Never set: the hang polls it the way a driver polls a completion
        // flag that nothing will ever write (so mcs's "never assigned" is
        // the point).
#pragma warning disable 649
        static bool completed;
#pragma warning restore 649
        static long spins;
        // What the exhaustion keeps alive (reachable from a static, so the
        // collector keeps all of it).
        static byte[][] hoard;

        internal FaultInjection()
        {
            kind = Native.InjectedFault(out after);
        }

        internal void BeforeRequest(BlockRequest r)
        {
            if (kind == None)
                return;
            handed++;
            if (handed <= after)
                return;
            string inFlight = " (" + Native.HostInFlight() + " requests in flight)";
            if (kind == Hang)
            {
                Log.Write("fault injection: hang after " + after + " requests" + inFlight + ": spinning in FaultInjection::Spin");
                Spin();
            }
            else if (kind == WildStore)
            {
                long target = Native.InjectTarget();
                // Where the target lies (the driver's code, or one of the
                // campaign's other classes) is said by whoever chose it.
                Log.Write("fault injection: wild store after " + after + " requests" + inFlight + ": writing to 0x" + Hex(target) + ", a stray pointer");
                Store(target);
                // A mapped target: the store is done and the driver goes on.
                kind = None;
            }
            else if (kind == Exhaust)
            {
                Log.Write("fault injection: out of memory after " + after + " requests" + inFlight + ": allocating 256 KiB arrays until the heap is exhausted");
                Hoard();
            }
            else if (kind == Overflow)
            {
                Log.Write("fault injection: stack overflow after " + after + " requests" + inFlight + ": recursing without end in FaultInjection::Recurse");
                depth = Recurse(1);
            }
            else if (kind == ZeroLength)
            {
                // Flushes carry no data descriptor: wait for a transfer.
                if (r.Op == BlockOp.Flush)
                    return;
                Log.Write("fault injection: zero length after " + after + " requests" + inFlight + ": handing the driver a request of 0 bytes at LBA " + r.Lba + " (its data descriptor has length 0)");
                r.Length = 0;
                kind = None;
            }
            else if (kind == Throw)
            {
                Log.Write("fault injection: exception after " + after + " requests" + inFlight + ": throwing an InvalidOperationException nothing catches");
                throw new System.InvalidOperationException("fault injection: an exception on the I/O path");
            }
        }

        // Written so the recursion's result is used (never read back: mcs's
        // "assigned but never used" is expected).
#pragma warning disable 414
        static int depth;
#pragma warning restore 414

        /// <summary>Recursion without a base case: each frame keeps a value
        /// live across the call, so no frame can be reused; the stack runs
        /// into the unmapped page below it.</summary>
        static int Recurse(int n)
        {
            return Recurse(n + 1) + n;
        }

        /// <summary>An endless loop: nothing sets <see cref="completed"/>.</summary>
        static void Spin()
        {
            while (!completed)
                spins++;
        }

        /// <summary>A 64-bit store through a stray pointer (the DDK's inline
        /// store, the same instruction a driver's MMIO write compiles to).</summary>
        static void Store(long target)
        {
            Native.Write64(target, 0x0badc0de0badc0deL);
        }

        /// <summary>Allocates and keeps 256 KiB arrays until the managed
        /// heap cannot grow (the task's memory quota): the runtime raises
        /// OutOfMemoryException, which nothing catches.</summary>
        static void Hoard()
        {
            hoard = new byte[65536][];
            for (int i = 0; i < hoard.Length; i++)
            {
                hoard[i] = new byte[256 * 1024];
                // Touch it: memory that is used, not just reserved.
                hoard[i][i & 0x3ffff] = 1;
            }
        }

        const string HexDigits = "0123456789abcdef";

        static string Hex(long v)
        {
            string s = "";
            for (int shift = 60; shift >= 0; shift -= 4)
            {
                int d = (int)((v >> shift) & 15);
                if (d != 0 || s.Length > 0 || shift == 0)
                    s = s + HexDigits.Substring(d, 1);
            }
            return s;
        }
    }
}
