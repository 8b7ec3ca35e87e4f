SELECT task, weak || ' -> ' || strong AS pair, loss, count(*) AS runs,
       round(avg(weak_accuracy), 3) AS weak, round(avg(w2s_accuracy), 3) AS w2s, round(avg(ceiling_accuracy), 3) AS ceiling,
       CASE WHEN avg(ceiling_accuracy) > avg(weak_accuracy)
            THEN round(median((w2s_accuracy - weak_mean) / (ceiling_mean - weak_mean)), 2) END AS median_pgr,
       round(avg(agreement_weak_wrong), 2) AS agree_wrong,
       count(*) FILTER (WHERE len(flags) > 0) AS flagged,
       array_to_string(list_distinct(flatten(list(flags))), ',') AS flags
FROM (SELECT *, avg(weak_accuracy) OVER pair_runs AS weak_mean, avg(ceiling_accuracy) OVER pair_runs AS ceiling_mean
      FROM runs WINDOW pair_runs AS (PARTITION BY task, weak, strong, loss))
WHERE weak <> strong
GROUP BY task, weak, strong, loss ORDER BY task, pair, loss
