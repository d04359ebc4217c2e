// Cordon corlib: KeyValuePair<TKey, TValue>, what enumerating a dictionary gives.

namespace System.Collections.Generic
{
    public struct KeyValuePair<TKey, TValue>
    {
        private TKey _key;
        private TValue _value;

        public KeyValuePair(TKey key, TValue value)
        {
            _key = key;
            _value = value;
        }

        public TKey Key
        {
            get { return _key; }
        }

        public TValue Value
        {
            get { return _value; }
        }
    }
}
