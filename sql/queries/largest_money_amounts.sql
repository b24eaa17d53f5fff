-- Question: what are the largest sums of money cited, and where?
-- Amounts are in their own currency (there is no exchange-rate table), so they are ranked within
-- each currency: the five largest per currency, largest first, with the article that cites them.
WITH ranked AS (
    SELECT m.*,
           rank() OVER (PARTITION BY currency ORDER BY amount DESC) AS rank_in_currency
    FROM mart.money_facts AS m
    WHERE amount IS NOT NULL
)
SELECT currency,
       rank_in_currency,
       amount,
       text        AS as_written,
       source,
       day,
       title,
       url
FROM ranked
WHERE rank_in_currency <= 5
ORDER BY currency, rank_in_currency, day;
