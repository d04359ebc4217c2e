// Cordon corlib: System.Delegate and System.MulticastDelegate.
//
// A delegate type's constructor and Invoke are `runtime managed` methods the
// JIT synthesizes: the constructor stores the target object and the code
// pointer (from ldftn/ldvirtftn) into the fields below, Invoke calls through
// them. Multicast (`+=`) is not supported: a driver registers one handler.

namespace System
{
    public abstract class Delegate
    {
        internal object _target;
        internal IntPtr _methodPtr;

        protected Delegate()
        {
        }

        public object Target
        {
            get { return _target; }
        }
    }

    public abstract class MulticastDelegate : Delegate
    {
        protected MulticastDelegate()
        {
        }
    }
}
