-- An attempt's row is written five or six times in a few minutes (dialled, registered,
-- ongoing, ended, analyzed, closed), and the attempts of a campaign sit side by side on the
-- same pages and progress together, often in one group statement. At fillfactor 80 a page had
-- room for the next versions of about a quarter of its rows, so the rest were not heap-only
-- and each wrote an entry in every one of the table's nine indexes. At 50, a page holds the
-- next version of every row it holds.
ALTER TABLE call_attempts SET (fillfactor = 50);
