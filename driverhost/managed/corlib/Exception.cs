// Cordon corlib: System.Exception and the exceptions the runtime throws.
//
// The JIT raises the runtime ones itself (null dereference, bounds check,
// checked arithmetic, bad cast, division by zero, allocation failure) by
// constructing them with their parameterless constructors, so every type here
// keeps one.

using System.Runtime.CompilerServices;

namespace System
{
    public class Exception
    {
        private string _message;
        private Exception _innerException;
        // Set by the runtime when the exception is thrown: (method id, IL
        // offset or -1) pairs, innermost frame first (jit/src/runtime/stack_trace.rs).
        private int[] _stackTrace;

        public Exception()
        {
        }

        public Exception(string message)
        {
            _message = message;
        }

        public Exception(string message, Exception innerException)
        {
            _message = message;
            _innerException = innerException;
        }

        public virtual string Message
        {
            get
            {
                if (_message != null)
                    return _message;
                return String.Concat("Exception of type '", GetType().FullName, "' was thrown.");
            }
        }

        public Exception InnerException
        {
            get { return _innerException; }
        }

        // The managed frames the exception was thrown through, one
        // "   at Type.Method [IL_offset]" line each; null if never thrown.
        public virtual string StackTrace
        {
            get
            {
                if (_stackTrace == null)
                    return null;
                Text.StringBuilder sb = new Text.StringBuilder();
                for (int i = 0; i + 1 < _stackTrace.Length; i += 2)
                {
                    if (i > 0)
                        sb.Append('\n');
                    sb.Append("   at ");
                    sb.Append(FrameName(_stackTrace[i]));
                    int il = _stackTrace[i + 1];
                    if (il >= 0)
                    {
                        sb.Append(" [IL_");
                        for (int shift = 12; shift >= 0; shift -= 4)
                            sb.Append("0123456789abcdef"[(il >> shift) & 0xF]);
                        sb.Append(']');
                    }
                }
                return sb.ToString();
            }
        }

        // INTERNALCALL: `Namespace.Type.Method` of a method id.
        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern string FrameName(int method);

        public override string ToString()
        {
            return String.Concat(GetType().FullName, ": ", Message);
        }
    }

    public class SystemException : Exception
    {
        public SystemException() : base("System error.") { }
        public SystemException(string message) : base(message) { }
        public SystemException(string message, Exception inner) : base(message, inner) { }
    }

    public class ArithmeticException : SystemException
    {
        public ArithmeticException() : base("Overflow or underflow in the arithmetic operation.") { }
        public ArithmeticException(string message) : base(message) { }
        public ArithmeticException(string message, Exception inner) : base(message, inner) { }
    }

    public class DivideByZeroException : ArithmeticException
    {
        public DivideByZeroException() : base("Attempted to divide by zero.") { }
        public DivideByZeroException(string message) : base(message) { }
        public DivideByZeroException(string message, Exception inner) : base(message, inner) { }
    }

    public class OverflowException : ArithmeticException
    {
        public OverflowException() : base("Arithmetic operation resulted in an overflow.") { }
        public OverflowException(string message) : base(message) { }
        public OverflowException(string message, Exception inner) : base(message, inner) { }
    }

    public class NullReferenceException : SystemException
    {
        public NullReferenceException() : base("Object reference not set to an instance of an object.") { }
        public NullReferenceException(string message) : base(message) { }
        public NullReferenceException(string message, Exception inner) : base(message, inner) { }
    }

    public class IndexOutOfRangeException : SystemException
    {
        public IndexOutOfRangeException() : base("Index was outside the bounds of the array.") { }
        public IndexOutOfRangeException(string message) : base(message) { }
        public IndexOutOfRangeException(string message, Exception inner) : base(message, inner) { }
    }

    public class InvalidCastException : SystemException
    {
        public InvalidCastException() : base("Specified cast is not valid.") { }
        public InvalidCastException(string message) : base(message) { }
        public InvalidCastException(string message, Exception inner) : base(message, inner) { }
    }

    public class ArrayTypeMismatchException : SystemException
    {
        public ArrayTypeMismatchException() : base("Attempted to access an element as a type incompatible with the array.") { }
        public ArrayTypeMismatchException(string message) : base(message) { }
        public ArrayTypeMismatchException(string message, Exception inner) : base(message, inner) { }
    }

    public class OutOfMemoryException : SystemException
    {
        public OutOfMemoryException() : base("Insufficient memory to continue the execution of the program.") { }
        public OutOfMemoryException(string message) : base(message) { }
        public OutOfMemoryException(string message, Exception inner) : base(message, inner) { }
    }

    public class InvalidOperationException : SystemException
    {
        public InvalidOperationException() : base("Operation is not valid due to the current state of the object.") { }
        public InvalidOperationException(string message) : base(message) { }
        public InvalidOperationException(string message, Exception inner) : base(message, inner) { }
    }

    public class NotSupportedException : SystemException
    {
        public NotSupportedException() : base("Specified method is not supported.") { }
        public NotSupportedException(string message) : base(message) { }
        public NotSupportedException(string message, Exception inner) : base(message, inner) { }
    }

    // Raised by the JIT at a call whose callee it cannot compile: malformed
    // IL (this one) or IL it does not support (NotSupportedException). The
    // message names the method, the IL offset and the reason.
    public class InvalidProgramException : SystemException
    {
        public InvalidProgramException() : base("Common Language Runtime detected an invalid program.") { }
        public InvalidProgramException(string message) : base(message) { }
        public InvalidProgramException(string message, Exception inner) : base(message, inner) { }
    }

    public class NotImplementedException : SystemException
    {
        public NotImplementedException() : base("The method or operation is not implemented.") { }
        public NotImplementedException(string message) : base(message) { }
        public NotImplementedException(string message, Exception inner) : base(message, inner) { }
    }

    public class ArgumentException : SystemException
    {
        private string _paramName;

        public ArgumentException() : base("Value does not fall within the expected range.") { }
        public ArgumentException(string message) : base(message) { }
        public ArgumentException(string message, Exception inner) : base(message, inner) { }

        public ArgumentException(string message, string paramName) : base(message)
        {
            _paramName = paramName;
        }

        public virtual string ParamName
        {
            get { return _paramName; }
        }
    }

    public class ArgumentNullException : ArgumentException
    {
        public ArgumentNullException() : base("Value cannot be null.") { }
        public ArgumentNullException(string paramName) : base("Value cannot be null.", paramName) { }
        public ArgumentNullException(string paramName, string message) : base(message, paramName) { }
    }

    public class ArgumentOutOfRangeException : ArgumentException
    {
        public ArgumentOutOfRangeException() : base("Specified argument was out of the range of valid values.") { }
        public ArgumentOutOfRangeException(string paramName) : base("Specified argument was out of the range of valid values.", paramName) { }
        public ArgumentOutOfRangeException(string paramName, string message) : base(message, paramName) { }
    }

    public class ApplicationException : Exception
    {
        public ApplicationException() : base("Error in the application.") { }
        public ApplicationException(string message) : base(message) { }
        public ApplicationException(string message, Exception inner) : base(message, inner) { }
    }

    public class FormatException : SystemException
    {
        public FormatException() : base("One of the identified items was in an invalid format.") { }
        public FormatException(string message) : base(message) { }
        public FormatException(string message, Exception inner) : base(message, inner) { }
    }

    public class TimeoutException : SystemException
    {
        public TimeoutException() : base("The operation has timed out.") { }
        public TimeoutException(string message) : base(message) { }
        public TimeoutException(string message, Exception inner) : base(message, inner) { }
    }

    public class ObjectDisposedException : InvalidOperationException
    {
        private string _objectName;

        public ObjectDisposedException(string objectName) : base("Cannot access a disposed object.")
        {
            _objectName = objectName;
        }

        public ObjectDisposedException(string objectName, string message) : base(message)
        {
            _objectName = objectName;
        }

        public string ObjectName
        {
            get { return _objectName; }
        }
    }
}

namespace System.Collections.Generic
{
    public class KeyNotFoundException : SystemException
    {
        public KeyNotFoundException() : base("The given key was not present in the dictionary.") { }
        public KeyNotFoundException(string message) : base(message) { }
        public KeyNotFoundException(string message, Exception inner) : base(message, inner) { }
    }
}
