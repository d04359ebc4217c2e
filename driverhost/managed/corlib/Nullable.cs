// Cordon corlib: System.Nullable<T> (`int?`).
//
// Layout contract with the JIT (jit/src/compiler/nullable.rs): the fields
// `hasValue` and `value`, found by name. Boxing follows ECMA-335 III.4.1:
// `box` of a Nullable<T> without a value is null, with one it is a boxed
// T (never a boxed Nullable<T>); `unbox.any Nullable<T>` of null is an
// empty one and of a boxed T one holding it; `isinst`/`castclass` of
// Nullable<T> test for T. The JIT expands those; C# only sees the struct.

namespace System
{
    public struct Nullable<T> where T : struct
    {
        private bool hasValue;
        internal T value;

        public Nullable(T value)
        {
            this.value = value;
            hasValue = true;
        }

        public bool HasValue
        {
            get { return hasValue; }
        }

        public T Value
        {
            get
            {
                if (!hasValue)
                    throw new InvalidOperationException("Nullable object must have a value.");
                return value;
            }
        }

        public T GetValueOrDefault()
        {
            return value;
        }

        public T GetValueOrDefault(T defaultValue)
        {
            return hasValue ? value : defaultValue;
        }

        public override bool Equals(object other)
        {
            if (!hasValue)
                return other == null;
            if (other == null)
                return false;
            return value.Equals(other);
        }

        public override int GetHashCode()
        {
            return hasValue ? value.GetHashCode() : 0;
        }

        public override string ToString()
        {
            return hasValue ? value.ToString() : "";
        }

        public static implicit operator Nullable<T>(T value)
        {
            return new Nullable<T>(value);
        }

        public static explicit operator T(Nullable<T> value)
        {
            return value.Value;
        }
    }
}
