using ILGPU;

namespace LlmLab.Backends.Ilgpu.Kernels;

/// <summary>
/// One lane's partial sums of an 8-row x 4-column block of C (<see cref="MatMulSkinnyKernel"/>), as 32 scalars, and the
/// transposing sum that totals them over the warp, leaving lane l with the total of value l (row l / 4, column l % 4).
/// Internal: ILGPU's generated code sees it through LlmLab.csproj's InternalsVisibleTo("ILGPURuntime").
/// </summary>
internal struct Block8x4
{
    public float S00, S01, S02, S03;
    public float S10, S11, S12, S13;
    public float S20, S21, S22, S23;
    public float S30, S31, S32, S33;
    public float S40, S41, S42, S43;
    public float S50, S51, S52, S53;
    public float S60, S61, S62, S63;
    public float S70, S71, S72, S73;

    /// <summary>S[r, j] += x_r . w_j over four k: 128 multiply-adds.</summary>
    public void Add(Float4 x0, Float4 x1, Float4 x2, Float4 x3, Float4 x4, Float4 x5, Float4 x6, Float4 x7,
        Float4 w0, Float4 w1, Float4 w2, Float4 w3)
    {
        S00 += x0.X * w0.X; S00 += x0.Y * w0.Y; S00 += x0.Z * w0.Z; S00 += x0.W * w0.W;
        S01 += x0.X * w1.X; S01 += x0.Y * w1.Y; S01 += x0.Z * w1.Z; S01 += x0.W * w1.W;
        S02 += x0.X * w2.X; S02 += x0.Y * w2.Y; S02 += x0.Z * w2.Z; S02 += x0.W * w2.W;
        S03 += x0.X * w3.X; S03 += x0.Y * w3.Y; S03 += x0.Z * w3.Z; S03 += x0.W * w3.W;
        S10 += x1.X * w0.X; S10 += x1.Y * w0.Y; S10 += x1.Z * w0.Z; S10 += x1.W * w0.W;
        S11 += x1.X * w1.X; S11 += x1.Y * w1.Y; S11 += x1.Z * w1.Z; S11 += x1.W * w1.W;
        S12 += x1.X * w2.X; S12 += x1.Y * w2.Y; S12 += x1.Z * w2.Z; S12 += x1.W * w2.W;
        S13 += x1.X * w3.X; S13 += x1.Y * w3.Y; S13 += x1.Z * w3.Z; S13 += x1.W * w3.W;
        S20 += x2.X * w0.X; S20 += x2.Y * w0.Y; S20 += x2.Z * w0.Z; S20 += x2.W * w0.W;
        S21 += x2.X * w1.X; S21 += x2.Y * w1.Y; S21 += x2.Z * w1.Z; S21 += x2.W * w1.W;
        S22 += x2.X * w2.X; S22 += x2.Y * w2.Y; S22 += x2.Z * w2.Z; S22 += x2.W * w2.W;
        S23 += x2.X * w3.X; S23 += x2.Y * w3.Y; S23 += x2.Z * w3.Z; S23 += x2.W * w3.W;
        S30 += x3.X * w0.X; S30 += x3.Y * w0.Y; S30 += x3.Z * w0.Z; S30 += x3.W * w0.W;
        S31 += x3.X * w1.X; S31 += x3.Y * w1.Y; S31 += x3.Z * w1.Z; S31 += x3.W * w1.W;
        S32 += x3.X * w2.X; S32 += x3.Y * w2.Y; S32 += x3.Z * w2.Z; S32 += x3.W * w2.W;
        S33 += x3.X * w3.X; S33 += x3.Y * w3.Y; S33 += x3.Z * w3.Z; S33 += x3.W * w3.W;
        S40 += x4.X * w0.X; S40 += x4.Y * w0.Y; S40 += x4.Z * w0.Z; S40 += x4.W * w0.W;
        S41 += x4.X * w1.X; S41 += x4.Y * w1.Y; S41 += x4.Z * w1.Z; S41 += x4.W * w1.W;
        S42 += x4.X * w2.X; S42 += x4.Y * w2.Y; S42 += x4.Z * w2.Z; S42 += x4.W * w2.W;
        S43 += x4.X * w3.X; S43 += x4.Y * w3.Y; S43 += x4.Z * w3.Z; S43 += x4.W * w3.W;
        S50 += x5.X * w0.X; S50 += x5.Y * w0.Y; S50 += x5.Z * w0.Z; S50 += x5.W * w0.W;
        S51 += x5.X * w1.X; S51 += x5.Y * w1.Y; S51 += x5.Z * w1.Z; S51 += x5.W * w1.W;
        S52 += x5.X * w2.X; S52 += x5.Y * w2.Y; S52 += x5.Z * w2.Z; S52 += x5.W * w2.W;
        S53 += x5.X * w3.X; S53 += x5.Y * w3.Y; S53 += x5.Z * w3.Z; S53 += x5.W * w3.W;
        S60 += x6.X * w0.X; S60 += x6.Y * w0.Y; S60 += x6.Z * w0.Z; S60 += x6.W * w0.W;
        S61 += x6.X * w1.X; S61 += x6.Y * w1.Y; S61 += x6.Z * w1.Z; S61 += x6.W * w1.W;
        S62 += x6.X * w2.X; S62 += x6.Y * w2.Y; S62 += x6.Z * w2.Z; S62 += x6.W * w2.W;
        S63 += x6.X * w3.X; S63 += x6.Y * w3.Y; S63 += x6.Z * w3.Z; S63 += x6.W * w3.W;
        S70 += x7.X * w0.X; S70 += x7.Y * w0.Y; S70 += x7.Z * w0.Z; S70 += x7.W * w0.W;
        S71 += x7.X * w1.X; S71 += x7.Y * w1.Y; S71 += x7.Z * w1.Z; S71 += x7.W * w1.W;
        S72 += x7.X * w2.X; S72 += x7.Y * w2.Y; S72 += x7.Z * w2.Z; S72 += x7.W * w2.W;
        S73 += x7.X * w3.X; S73 += x7.Y * w3.Y; S73 += x7.Z * w3.Z; S73 += x7.W * w3.W;
    }

    /// <summary>S[r, j] += x_r w_j for one k.</summary>
    public void Add(float x0, float x1, float x2, float x3, float x4, float x5, float x6, float x7,
        float w0, float w1, float w2, float w3)
    {
        S00 += x0 * w0; S01 += x0 * w1; S02 += x0 * w2; S03 += x0 * w3;
        S10 += x1 * w0; S11 += x1 * w1; S12 += x1 * w2; S13 += x1 * w3;
        S20 += x2 * w0; S21 += x2 * w1; S22 += x2 * w2; S23 += x2 * w3;
        S30 += x3 * w0; S31 += x3 * w1; S32 += x3 * w2; S33 += x3 * w3;
        S40 += x4 * w0; S41 += x4 * w1; S42 += x4 * w2; S43 += x4 * w3;
        S50 += x5 * w0; S51 += x5 * w1; S52 += x5 * w2; S53 += x5 * w3;
        S60 += x6 * w0; S61 += x6 * w1; S62 += x6 * w2; S63 += x6 * w3;
        S70 += x7 * w0; S71 += x7 * w1; S72 += x7 * w2; S73 += x7 * w3;
    }

    /// <summary>
    /// The warp's total of value <paramref name="lane"/> (row lane / 4, column lane % 4), in that lane: every lane writes
    /// its 32 sums to a row of <paramref name="scratch"/> (this warp's own 32 x 33 floats of shared memory; the odd row
    /// length keeps both the row writes and the column reads on distinct banks), then sums a column in lane order.
    /// One barrier instead of 31 shuffles (much cheaper to simulate, about the same on a GPU), and a fixed order. It is
    /// a group barrier: every thread of the group must call this.
    /// </summary>
    public readonly float Total(ArrayView<float> scratch, int lane)
    {
        var row = scratch.SubView(lane * 33, 32);
        row[0] = S00;
        row[1] = S01;
        row[2] = S02;
        row[3] = S03;
        row[4] = S10;
        row[5] = S11;
        row[6] = S12;
        row[7] = S13;
        row[8] = S20;
        row[9] = S21;
        row[10] = S22;
        row[11] = S23;
        row[12] = S30;
        row[13] = S31;
        row[14] = S32;
        row[15] = S33;
        row[16] = S40;
        row[17] = S41;
        row[18] = S42;
        row[19] = S43;
        row[20] = S50;
        row[21] = S51;
        row[22] = S52;
        row[23] = S53;
        row[24] = S60;
        row[25] = S61;
        row[26] = S62;
        row[27] = S63;
        row[28] = S70;
        row[29] = S71;
        row[30] = S72;
        row[31] = S73;
        Group.Barrier();
        var column = scratch.SubView(lane, 31 * 33 + 1);
        float total = column[0];
        total += column[1 * 33];
        total += column[2 * 33];
        total += column[3 * 33];
        total += column[4 * 33];
        total += column[5 * 33];
        total += column[6 * 33];
        total += column[7 * 33];
        total += column[8 * 33];
        total += column[9 * 33];
        total += column[10 * 33];
        total += column[11 * 33];
        total += column[12 * 33];
        total += column[13 * 33];
        total += column[14 * 33];
        total += column[15 * 33];
        total += column[16 * 33];
        total += column[17 * 33];
        total += column[18 * 33];
        total += column[19 * 33];
        total += column[20 * 33];
        total += column[21 * 33];
        total += column[22 * 33];
        total += column[23 * 33];
        total += column[24 * 33];
        total += column[25 * 33];
        total += column[26 * 33];
        total += column[27 * 33];
        total += column[28 * 33];
        total += column[29 * 33];
        total += column[30 * 33];
        total += column[31 * 33];
        return total;
    }
}
