// JIT tests: System.Math and System.MathF, and the double/float
// classification methods, against mono.
//
// Convention: `static int test_<N>_<name>()` passes when it returns N.
// Each test counts the checks that hold. IEEE operations (Sqrt, Floor,
// Ceiling, Truncate, Round) are compared exactly, signs of zero included;
// elementary functions (Exp, Log, Pow, trigonometry) within a relative
// 1e-15, since two libms may differ in the last bit.

static class MathTests
{
    static double D(double x) { return x; }
    static float F(float x) { return x; }

    static bool NegZero(double x) { return x == 0 && 1.0 / x < 0; }
    static bool PosZero(double x) { return x == 0 && 1.0 / x > 0; }

    static bool Near(double got, double want)
    {
        if (got == want)
            return true;
        double diff = System.Math.Abs(got - want);
        return diff <= System.Math.Abs(want) * 1e-15;
    }

    static int test_10_abs_min_max_sign()
    {
        int r = 0;
        if (System.Math.Abs(-5) == 5 && System.Math.Abs(7L) == 7L) r++;
        if (System.Math.Abs(D(-2.5)) == 2.5 && PosZero(System.Math.Abs(D(-0.0)))) r++;
        if (System.Math.Abs(F(-1.5f)) == 1.5f) r++;
        if (System.Math.Min(3, -4) == -4 && System.Math.Max(3, -4) == 3) r++;
        if (System.Math.Min(2u, 9u) == 2u && System.Math.Max(2UL, 9UL) == 9UL) r++;
        if (NegZero(System.Math.Min(D(0.0), D(-0.0))) && PosZero(System.Math.Max(D(-0.0), D(0.0)))) r++;
        if (double.IsNaN(System.Math.Min(D(1.0), double.NaN)) && double.IsNaN(System.Math.Max(double.NaN, D(1.0)))) r++;
        if (System.Math.Sign(-8) == -1 && System.Math.Sign(0L) == 0 && System.Math.Sign(D(0.25)) == 1) r++;
        if (System.Math.Sign(D(-0.0)) == 0 && System.Math.Sign(F(-3f)) == -1) r++;
        try
        {
            System.Math.Abs(int.MinValue + (int)D(0));
        }
        catch (System.OverflowException)
        {
            r++;
        }
        return r;
    }

    static int test_9_floor_ceiling_truncate()
    {
        int r = 0;
        if (System.Math.Floor(D(2.7)) == 2.0 && System.Math.Floor(D(-2.1)) == -3.0) r++;
        if (System.Math.Ceiling(D(2.1)) == 3.0 && System.Math.Ceiling(D(-2.7)) == -2.0) r++;
        if (NegZero(System.Math.Ceiling(D(-0.5)))) r++;
        if (NegZero(System.Math.Floor(D(-0.0)))) r++;
        if (System.Math.Truncate(D(-2.7)) == -2.0 && NegZero(System.Math.Truncate(D(-0.3)))) r++;
        if (System.Math.Floor(D(1e300)) == 1e300) r++;
        if (double.IsNaN(System.Math.Floor(double.NaN)) && double.IsPositiveInfinity(System.Math.Ceiling(double.PositiveInfinity))) r++;
        if (System.MathF.Floor(F(-1.5f)) == -2f && System.MathF.Ceiling(F(1.25f)) == 2f) r++;
        if (System.MathF.Truncate(F(9.99f)) == 9f) r++;
        return r;
    }

    static int test_10_round()
    {
        int r = 0;
        // The default is banker's rounding: ties go to the even neighbour.
        if (System.Math.Round(D(2.5)) == 2.0 && System.Math.Round(D(3.5)) == 4.0) r++;
        if (System.Math.Round(D(-2.5)) == -2.0 && NegZero(System.Math.Round(D(-0.5)))) r++;
        if (System.Math.Round(D(2.6)) == 3.0 && System.Math.Round(D(-2.4)) == -2.0) r++;
        if (System.Math.Round(D(2.5), System.MidpointRounding.AwayFromZero) == 3.0) r++;
        if (System.Math.Round(D(-2.5), System.MidpointRounding.AwayFromZero) == -3.0) r++;
        if (System.Math.Round(D(2.4), System.MidpointRounding.AwayFromZero) == 2.0) r++;
        if (System.Math.Round(D(0.49999999999999994), System.MidpointRounding.AwayFromZero) == 0.0) r++;
        if (System.Math.Round(D(2.5), System.MidpointRounding.ToEven) == 2.0) r++;
        if (System.MathF.Round(F(0.5f)) == 0f && System.MathF.Round(F(1.5f)) == 2f) r++;
        if (System.MathF.Round(F(-1.5f), System.MidpointRounding.AwayFromZero) == -2f) r++;
        return r;
    }

    static int test_8_sqrt_pow_exp_log()
    {
        int r = 0;
        if (System.Math.Sqrt(D(2.0)) == 1.4142135623730951 && System.Math.Sqrt(D(144.0)) == 12.0) r++;
        if (double.IsNaN(System.Math.Sqrt(D(-1.0))) && NegZero(System.Math.Sqrt(D(-0.0)))) r++;
        if (System.Math.Pow(D(2.0), D(10.0)) == 1024.0 && System.Math.Pow(D(9.0), D(0.5)) == 3.0) r++;
        if (Near(System.Math.Pow(D(1.5), D(-2.25)), 0.40160089049326436)) r++;
        if (System.Math.Exp(D(0.0)) == 1.0 && Near(System.Math.Exp(D(1.0)), System.Math.E)) r++;
        if (System.Math.Log(D(1.0)) == 0.0 && Near(System.Math.Log(D(10.0)), 2.302585092994046)) r++;
        if (System.Math.Log10(D(1000.0)) == 3.0 && double.IsNegativeInfinity(System.Math.Log(D(0.0)))) r++;
        if (Near(System.Math.Log(D(8.0), D(2.0)), 3.0) && System.MathF.Sqrt(F(6.25f)) == 2.5f) r++;
        return r;
    }

    static int test_7_trigonometry()
    {
        int r = 0;
        if (System.Math.Sin(D(0.0)) == 0.0 && System.Math.Cos(D(0.0)) == 1.0) r++;
        if (Near(System.Math.Sin(D(System.Math.PI / 6)), 0.49999999999999994)) r++;
        if (Near(System.Math.Cos(D(1.0)), 0.5403023058681398)) r++;
        if (Near(System.Math.Tan(D(0.5)), 0.5463024898437905)) r++;
        if (Near(System.Math.Atan(D(1.0)) * 4, System.Math.PI)) r++;
        if (Near(System.Math.Atan2(D(1.0), D(-1.0)), 2.356194490192345) && System.Math.Atan2(D(0.0), D(1.0)) == 0.0) r++;
        if (System.Math.Abs(System.MathF.Sin(F(1.0f)) - 0.84147098f) < 1e-6f) r++;
        return r;
    }

    static int test_8_classification()
    {
        int r = 0;
        double inf = D(1.0) / D(0.0);
        if (double.IsPositiveInfinity(inf) && !double.IsNegativeInfinity(inf)) r++;
        if (double.IsNegativeInfinity(-inf) && !double.IsPositiveInfinity(D(1e308))) r++;
        if (double.IsFinite(D(1e308)) && !double.IsFinite(inf) && !double.IsFinite(double.NaN)) r++;
        if (double.IsNaN(D(0.0) / D(0.0)) && !double.IsNaN(inf)) r++;
        float finf = F(1.0f) / F(0.0f);
        if (float.IsPositiveInfinity(finf) && float.IsNegativeInfinity(-finf)) r++;
        if (float.IsFinite(F(3.4e38f)) && !float.IsFinite(finf) && !float.IsFinite(float.NaN)) r++;
        if (float.IsNaN(F(0.0f) / F(0.0f))) r++;
        if (double.IsFinite(D(-0.0))) r++;
        return r;
    }
}
