package w2s.results;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import w2s.base.Json;

/**
 * The report's part for K-class and choice runs, kept apart from {@link HtmlReport}'s figures: per run, its kind, K
 * and top-5 accuracies; the pairwise accuracy of preference-pair runs; and for K ≤ 20 the confusion matrices of weak
 * model, student and ceiling on the test set, as plain tables (and as JSON in a data block, for scripts). Empty when
 * the store holds binary runs only.
 */
final class ItemReport {
    private ItemReport() {}

    static String section(Results store) {
        ResultStore.Rows rows = store.query("SELECT task, weak, strong, loss, seed, items, weak_accuracy, w2s_accuracy, "
                + "ceiling_accuracy, weak_pairwise_accuracy, w2s_pairwise_accuracy, ceiling_pairwise_accuracy, cell_key "
                + "FROM runs WHERE items IS NOT NULL ORDER BY task, loss, weak, strong, seed, cell_key");
        if (rows.rows().isEmpty()) return "";
        StringBuilder html = new StringBuilder("<h2>K classes and choices</h2><p class=\"caption\">Runs of K-class, "
                + "choice and feature-matrix tasks: accuracy is top-1 (ties shared), top-5 where K ≥ 10; a preference "
                + "task's choice accuracy is its pairwise accuracy (chosen scored above rejected). Confusion matrices "
                + "(rows: true class, columns: predicted) for K ≤ 20.</p><table id=\"items-runs\"><tr><th>task</th>"
                + "<th>weak</th><th>strong</th><th>loss</th><th>seed</th><th>kind</th><th>K</th><th>weak acc</th>"
                + "<th>student acc</th><th>ceiling acc</th><th>top-5 (weak / student / ceiling)</th>"
                + "<th>pairwise (weak / student / ceiling)</th></tr>");
        StringBuilder confusion = new StringBuilder();
        StringBuilder data = new StringBuilder("[");
        for (List<Object> r : rows.rows()) {
            JsonNode items = tree((String) r.get(5));
            String run = r.get(0) + " " + r.get(1) + " → " + r.get(2) + " " + r.get(3) + " seed " + r.get(4);
            html.append("<tr><td>").append(esc(r.get(0))).append("</td><td>").append(esc(r.get(1))).append("</td><td>")
                    .append(esc(r.get(2))).append("</td><td>").append(esc(r.get(3))).append("</td><td>")
                    .append(esc(r.get(4))).append("</td><td>").append(esc(items.path("kind").asText()))
                    .append("</td><td>").append(items.path("classes").asInt() == 0 ? "–" : items.path("classes").asInt())
                    .append("</td><td>").append(num(r.get(6))).append("</td><td>").append(num(r.get(7)))
                    .append("</td><td>").append(num(r.get(8))).append("</td><td>")
                    .append(triple(items.path("weak_top5_accuracy"), items.path("w2s_top5_accuracy"),
                            items.path("ceiling_top5_accuracy"))).append("</td><td>")
                    .append(r.get(9) == null ? "–" : num(r.get(9)) + " / " + num(r.get(10)) + " / " + num(r.get(11)))
                    .append("</td></tr>");
            JsonNode matrices = items.path("confusion");
            if (matrices.isObject()) {
                if (data.length() > 1) data.append(',');
                data.append("{\"run\":").append(Json.compact(run)).append(",\"cell_key\":")
                        .append(Json.compact(String.valueOf(r.get(12)))).append(",\"classes\":")
                        .append(Json.compact(items.path("class_names"))).append(",\"confusion\":")
                        .append(Json.compact(matrices)).append('}');
                confusion.append("<h3>").append(esc(run)).append("</h3><div class=\"charts\">");
                for (String model : List.of("weak", "w2s", "ceiling")) {
                    confusion.append(matrix(model.equals("w2s") ? "student" : model, matrices.path(model),
                            items.path("class_names")));
                }
                confusion.append("</div>");
            }
        }
        html.append("</table>").append(confusion);
        // JSON inside a script element: "</" must not end it.
        html.append("<script id=\"w2s-confusion\" type=\"application/json\">")
                .append(data.append(']').toString().replace("</", "<\\/")).append("</script>");
        return html.toString();
    }

    private static String matrix(String model, JsonNode m, JsonNode names) {
        StringBuilder t = new StringBuilder("<table class=\"confusion\"><tr><th>").append(model).append("</th>");
        for (int j = 0; j < m.size(); j++) t.append("<th>").append(esc(names.path(j).asText(String.valueOf(j)))).append("</th>");
        t.append("</tr>");
        for (int i = 0; i < m.size(); i++) {
            t.append("<tr><th>").append(esc(names.path(i).asText(String.valueOf(i)))).append("</th>");
            for (int j = 0; j < m.get(i).size(); j++) t.append("<td>").append(m.get(i).get(j).asInt()).append("</td>");
            t.append("</tr>");
        }
        return t.append("</table>").toString();
    }

    private static String triple(JsonNode a, JsonNode b, JsonNode c) {
        if (!a.isNumber()) return "–";
        return String.format(java.util.Locale.ROOT, "%.3f / %.3f / %.3f", a.asDouble(), b.asDouble(), c.asDouble());
    }

    private static String num(Object o) {
        return o == null ? "–" : String.format(java.util.Locale.ROOT, "%.3f", ((Number) o).doubleValue());
    }

    private static String esc(Object o) {
        return HtmlReport.esc(String.valueOf(o));
    }

    private static JsonNode tree(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("a run's items column is not JSON: " + e.getMessage(), e);
        }
    }
}
