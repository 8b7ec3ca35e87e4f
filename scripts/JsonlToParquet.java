import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;

/**
 * Writes rows of a JSON Lines file as Parquet with DuckDB, inferring the column types (lists stay lists, objects
 * become structs) as a Hugging Face Parquet export has them. Used to make the small Parquet test fixtures under
 * src/test/resources/hf/. Usage, from the repository root after `mvn package`:
 *   java -cp target/lib/duckdb_jdbc-*.jar scripts/JsonlToParquet.java IN.jsonl OUT.parquet [FIRST_ROW [ROWS]]
 */
public class JsonlToParquet {
    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: JsonlToParquet IN.jsonl OUT.parquet [FIRST_ROW [ROWS]]");
            System.exit(2);
        }
        long first = args.length > 2 ? Long.parseLong(args[2]) : 0;
        long rows = args.length > 3 ? Long.parseLong(args[3]) : Long.MAX_VALUE;
        Path out = Path.of(args[1]);
        if (out.getParent() != null) Files.createDirectories(out.getParent());
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:")) {
            // COPY takes no parameters; the paths are quoted as SQL string literals.
            String sql = "COPY (SELECT * FROM read_json(" + literal(args[0]) + ", format = 'newline_delimited') "
                    + "LIMIT " + rows + " OFFSET " + first + ") TO " + literal(out.toString()) + " (FORMAT PARQUET)";
            try (PreparedStatement copy = db.prepareStatement(sql)) {
                copy.execute();
            }
        }
    }

    private static String literal(String s) {
        return "'" + s.replace("'", "''") + "'";
    }
}
