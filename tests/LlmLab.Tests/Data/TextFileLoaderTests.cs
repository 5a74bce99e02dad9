using LlmLab.Data;

namespace LlmLab.Tests.Data;

public class TextFileLoaderTests
{
    [Fact]
    public void Whole_file_is_one_document_with_inner_blank_lines_kept()
    {
        using var files = new TempFiles();
        string path = files.Write("a.txt", "\n\nFirst line\r\nsecond line\n\n\nthird\n\n");
        Assert.Equal(["First line\nsecond line\n\n\nthird"], TextFileLoader.Load(path).ToList());
    }

    [Fact]
    public void Paragraph_mode_splits_on_blank_and_whitespace_only_lines()
    {
        using var files = new TempFiles();
        string path = files.Write("a.txt", "One.\r\nStill one.\r\n\r\nTwo.\n   \n\t\n\nThree.");
        Assert.Equal(["One.\nStill one.", "Two.", "Three."], TextFileLoader.Load(path, TextDocuments.Paragraphs).ToList());
    }

    [Fact]
    public void Empty_files_give_no_documents_and_a_byte_order_mark_is_dropped()
    {
        using var files = new TempFiles();
        Assert.Empty(TextFileLoader.Load(files.Write("empty.txt", "")));
        Assert.Empty(TextFileLoader.Load(files.Write("blank.txt", "\n \n"), TextDocuments.Paragraphs));
        string bom = files.WriteBytes("bom.txt", [0xEF, 0xBB, 0xBF, (byte)'h', (byte)'i']);
        Assert.Equal(["hi"], TextFileLoader.Load(bom).ToList());
    }

    [Fact]
    public void Directory_loads_matching_files_in_name_order()
    {
        using var files = new TempFiles();
        files.Write("b.txt", "bee");
        files.Write("a.txt", "ay\n\nay two");
        files.Write("c.md", "not text");
        Assert.Equal(["ay", "ay two", "bee"], TextFileLoader.LoadDirectory(files.Directory, documents: TextDocuments.Paragraphs).ToList());
    }

    [Fact]
    public void Missing_file_or_directory_and_invalid_utf8_are_reported()
    {
        using var files = new TempFiles();
        Assert.Throws<FileNotFoundException>(() => TextFileLoader.Load(Path.Combine(files.Directory, "none.txt")).ToList());
        var dir = Assert.Throws<DirectoryNotFoundException>(() => TextFileLoader.LoadDirectory(Path.Combine(files.Directory, "nodir")).ToList());
        Assert.Contains("nodir", dir.Message);
        string bad = files.WriteBytes("bad.txt", [(byte)'o', (byte)'k', (byte)'\n', 0xC3, 0x28]);
        var e = Assert.Throws<DataFormatException>(() => TextFileLoader.Load(bad).ToList());
        Assert.Equal(bad, e.FilePath);
        Assert.Contains("not valid UTF-8", e.Message);
        Assert.StartsWith(bad + ": ", e.Message);
    }
}
