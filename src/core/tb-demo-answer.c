/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-demo"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tb-demo-answer.h"
#include "tb-json.h"
#include "tb-stats.h"

/* Every input is a little harder or easier for all models alike, as real inputs are: the
 * paired comparison of the verdict takes it out, a model's interval does not. */
#define DIFFICULTY_SD 0.1
/* What breaking a format rule costs an answer's quality. */
#define SLIP_PENALTY 0.3
/* Where the tag goes while the answer is written: its quality is final only once we know
 * whether the answer broke a rule, which may happen after the tag's place is written. */
#define TAG_PLACEHOLDER "@@tb-demo-tag@@"
/* A pairwise judge calls it a tie below this difference (0–10). */
#define PAIRWISE_TIE 0.25
/* What an answer without a tag is worth to a simulated judge: it cannot know. */
#define UNTAGGED_QUALITY 5.0

/* ---------------------------------------------------------------------------------------- */
/* The writer's state                                                                        */

/* Word counts. Every word of every answer is counted, on the server's thread: the keys live in
 * a string chunk (allocated in blocks) and a word costs an allocation only the first time. */
typedef struct {
  GStringChunk *strings;
  GHashTable   *table;     /* const char * (in `strings`) → count */
} Counts;

static void
counts_init (Counts *counts)
{
  counts->strings = g_string_chunk_new (4096);
  counts->table = g_hash_table_new (g_str_hash, g_str_equal);
}

static void
counts_clear (Counts *counts)
{
  g_clear_pointer (&counts->table, g_hash_table_unref);
  g_clear_pointer (&counts->strings, g_string_chunk_free);
}

static void
counts_add (Counts     *counts,
            const char *key)
{
  gpointer stored = NULL, value = NULL;

  if (!g_hash_table_lookup_extended (counts->table, key, &stored, &value))
    stored = g_string_chunk_insert (counts->strings, key);
  g_hash_table_insert (counts->table, stored, GUINT_TO_POINTER (GPOINTER_TO_UINT (value) + 1));
}

static guint
counts_get (const Counts *counts,
            const char   *key)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (counts->table, key));
}

/* Longer words are never counted (nor keywords). */
#define WORD_MAX 96

/* `length` bytes of `word`, lower-cased into `buffer` (WORD_MAX bytes) without allocating;
 * FALSE when it does not fit. */
static gboolean
fold_word (const char *word,
           gsize       length,
           char       *buffer)
{
  gsize out = 0;

  for (const char *p = word; p < word + length; p = g_utf8_next_char (p))
    {
      char bytes[6];
      int n = g_unichar_to_utf8 (g_unichar_tolower (g_utf8_get_char (p)), bytes);

      if (out + n >= WORD_MAX)
        return FALSE;
      memcpy (buffer + out, bytes, n);
      out += n;
    }
  buffer[out] = '\0';
  return TRUE;
}

typedef struct {
  guint  seconds;
  char  *stamp;       /* "00:07:06", as written in the transcript */
  char  *text;
  guint  first_sentence;   /* its sentences in the writer's `sentences` */
  guint  n_sentences;
} Paragraph;

typedef struct {
  char     *owner;
  char     *task;
  gboolean  has_due;
  GDate     due;
} Commitment;

typedef struct {
  guint  first;       /* index of its first paragraph */
  guint  end;         /* index of the next chapter's first paragraph, or the last paragraph */
  char  *title;
  char  *description;
} Chapter;

typedef struct {
  const TbDemoModel *model;
  TbRng              rng;
  const char        *input;
  const char        *task;         /* the prompt before the input */
  gboolean           german;
  GPtrArray         *paragraphs;   /* Paragraph*: the [HH:MM:SS] paragraphs */
  GPtrArray         *sentences;    /* char*: clean sentences of the input, in order */
  GPtrArray         *leads;        /* char*: the first good sentence of each section */
  GPtrArray         *people;       /* char*: full names from the input's header */
  GPtrArray         *commitments;  /* Commitment* */
  GPtrArray         *decisions;    /* char* */
  GPtrArray         *chapters;     /* Chapter* */
  Counts             counts;       /* lower-cased word → count over the input */
  gboolean           has_date;
  GDate              date;         /* the input's first date: a meeting's */
  double             luck;         /* this answer's draw, in SDs: a better one says more */
  gboolean           slip;         /* this answer breaks a rule when it gets the chance */
  gboolean           slipped;
  gboolean           tagged;
  guint              next_sentence;
  guint              next_decision;
  guint              next_lead;
} Writer;

static void
paragraph_free (Paragraph *paragraph)
{
  g_free (paragraph->stamp);
  g_free (paragraph->text);
  g_free (paragraph);
}

static void
commitment_free (Commitment *commitment)
{
  g_free (commitment->owner);
  g_free (commitment->task);
  g_free (commitment);
}

static void
chapter_free (Chapter *chapter)
{
  g_free (chapter->title);
  g_free (chapter->description);
  g_free (chapter);
}

static void
writer_clear (Writer *w)
{
  g_clear_pointer (&w->paragraphs, g_ptr_array_unref);
  g_clear_pointer (&w->sentences, g_ptr_array_unref);
  g_clear_pointer (&w->leads, g_ptr_array_unref);
  g_clear_pointer (&w->people, g_ptr_array_unref);
  g_clear_pointer (&w->commitments, g_ptr_array_unref);
  g_clear_pointer (&w->decisions, g_ptr_array_unref);
  g_clear_pointer (&w->chapters, g_ptr_array_unref);
  counts_clear (&w->counts);
}

/* ---------------------------------------------------------------------------------------- */
/* Small helpers                                                                             */

/* A regular expression compiled once for the process: the writer runs them on every
 * sentence of every answer, on the server's thread. A GRegex is safe to share. Not
 * G_REGEX_OPTIMIZE: PCRE2's JIT gains nothing on answers this short, and valgrind cannot
 * follow the code it generates (a thousand false "uninitialised value" reports). */
static GRegex *
cached_regex (GRegex             **slot,
              const char          *pattern,
              GRegexCompileFlags   flags)
{
  if (g_once_init_enter (slot))
    {
      GRegex *regex = g_regex_new (pattern, flags, 0, NULL);

      g_assert (regex != NULL);
      g_once_init_leave (slot, regex);
    }
  return *slot;
}


static double
round_to (double value,
          double step)
{
  return floor (value / step + 0.5) * step;
}

static gboolean
chance (Writer *w,
        double  p)
{
  return tb_rng_double (&w->rng) < p;
}

static char *
replace_all (const char *text,
             const char *from,
             const char *to)
{
  g_auto(GStrv) parts = g_strsplit (text, from, -1);

  return g_strjoinv (to, parts);
}

/* `text` with its first letter upper-case. */
static char *
capitalise (const char *text)
{
  char first[8] = { 0 };

  if (text == NULL || *text == '\0')
    return g_strdup (text != NULL ? text : "");
  g_unichar_to_utf8 (g_unichar_totitle (g_utf8_get_char (text)), first);
  return g_strconcat (first, g_utf8_next_char (text), NULL);
}

static guint
count_words (const char *text)
{
  guint n = 0;
  gboolean in_word = FALSE;

  for (const char *p = text; *p != '\0'; p++)
    {
      gboolean space = g_ascii_isspace (*p);

      if (!space && !in_word)
        n++;
      in_word = !space;
    }
  return n;
}

/* At most `max` words, ending in a full stop. */
static char *
first_words (const char *text,
             guint       max)
{
  g_auto(GStrv) words = g_strsplit_set (text, " \t\n", -1);
  g_autoptr(GString) out = g_string_new (NULL);
  guint taken = 0;

  for (guint i = 0; words[i] != NULL && taken < max; i++)
    {
      if (*words[i] == '\0')
        continue;
      if (out->len > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, words[i]);
      taken++;
    }
  while (out->len > 0 && strchr (",;:-.", out->str[out->len - 1]) != NULL)
    g_string_truncate (out, out->len - 1);
  return g_strdup (out->str);
}

/* How many sentences a piece of free text gets: `base` for this model's verbosity, one more
 * for a better answer than usual, one fewer for a worse one. */
static guint
sentences_for (Writer *w,
               guint   base)
{
  if (w->luck > 0.6)
    return base + 1;
  if (w->luck < -0.6 && base > 1)
    return base - 1;
  return base;
}

/* ---------------------------------------------------------------------------------------- */
/* Reading the input                                                                         */

static const char * const stopwords[] = {
  /* English */
  "about", "above", "across", "actually", "after", "again", "against", "almost", "along",
  "already", "alright", "although", "always", "another", "answer", "anyone", "anything",
  "around", "asked", "asking", "because", "become", "before", "being", "below", "better",
  "between", "bigger", "called", "cannot", "careful", "certain", "change", "clear",
  "comes", "coming", "could", "couldn", "course", "didn", "different", "doesn", "doing",
  "during", "either", "enough", "every", "everybody", "everyone", "everything", "exactly",
  "example", "first", "following", "friday", "going", "gonna", "gotta", "great", "happen",
  "happened", "happens", "having", "hello", "here's", "however", "important", "instead",
  "itself", "joined", "just", "later", "least", "let's", "little", "looks", "makes",
  "making", "maybe", "meaning", "means", "might", "minute", "minutes", "monday", "morning",
  "mostly", "myself", "needs", "never", "number", "often", "other", "others", "people",
  "perhaps", "point", "pretty", "probably", "question", "questions", "quite", "rather",
  "really", "right", "saturday", "saying", "second", "seems", "should", "shouldn",
  "similar", "simple", "since", "small", "something", "sometimes", "sorry", "start",
  "started", "still", "student", "students", "stuff", "sunday", "sure", "taken", "takes",
  "talk", "talked", "talking", "tell", "thank", "thanks", "that's", "their", "theirs",
  "them", "themselves", "then", "there", "there's", "these", "they", "they're", "thing",
  "things", "think", "thinking", "third", "those", "though", "three", "through", "thursday",
  "today", "together", "tomorrow", "towards", "tuesday", "under", "understand", "unless",
  "until", "using", "usually", "wants", "wasn", "we're", "we've", "wednesday", "week",
  "weeks", "whatever", "what's", "where", "whether", "which", "while", "whole", "whose",
  "without", "won't", "words", "would", "wouldn", "yeah", "years", "yesterday", "you're",
  "you've", "yourself", "lecturer", "lecture", "slide", "slides", "board", "today's",
  /* German */
  "aber", "alle", "allem", "allen", "alles", "also", "andere", "anderen", "beispiel",
  "beim", "bitte", "dabei", "dafür", "damit", "danach", "dann", "darauf", "darum", "dass",
  "davon", "dazu", "denen", "denn", "deshalb", "diese", "diesem", "diesen", "dieser",
  "dieses", "doch", "dort", "durch", "eigentlich", "einem", "einen", "einer", "eines",
  "einfach", "etwas", "frage", "fragen", "ganz", "genau", "gerade", "haben", "hatte",
  "hätte", "heißt", "heute", "immer", "jetzt", "kann", "können", "könnte", "machen",
  "macht", "mehr", "muss", "müssen", "nicht", "nichts", "noch", "nämlich", "natürlich",
  "oder", "schon", "sehen", "sein", "seine", "sehr", "sich", "sind", "sollte", "sondern",
  "unsere", "unser", "viele", "vielleicht", "wahrscheinlich", "warum", "weil", "welche",
  "wenn", "werden", "wieder", "wird", "wirklich", "wollen", "wurde", "würde", "zwischen",
  "studentin", "dozent", "dozentin", "minuten", "erste", "ersten", "zweite", "zweiten",
  "okay", "gleich", "immer", "einmal", "wichtig", "sagen", "sieht", "steht", "kommt",
  "geht", "gibt", "ihnen", "ihren", "ihrer", "unten", "oben", "vorne", "hinten",
  NULL
};

/* Numbers make poor title words ("Eight, percent and ninety-five"). */
static const char * const number_words[] = {
  "three", "seven", "eight", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
  "seventeen", "eighteen", "nineteen", "twenty", "thirty", "forty", "fifty", "sixty",
  "seventy", "eighty", "ninety", "hundred", "hundreds", "thousand", "thousands", "million",
  "millions", "percent", "point", "points", "sechs", "sieben", "zwanzig", "dreißig",
  "vierzig", "fünfzig", "sechzig", "siebzig", "achtzig", "neunzig", "hundert", "tausend",
  "prozent", "komma", "minus", "plus", "gleich", "ungefähr", NULL
};

static GHashTable *
stopword_set (void)
{
  GHashTable *set = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; stopwords[i] != NULL; i++)
    g_hash_table_add (set, (gpointer) stopwords[i]);
  for (guint i = 0; number_words[i] != NULL; i++)
    g_hash_table_add (set, (gpointer) number_words[i]);
  return set;
}

/* A stopword, or a compound of one ("ninety-five", "so-called"). */
static gboolean
is_stopword (GHashTable *stop,
             const char *key)
{
  g_auto(GStrv) parts = NULL;

  if (g_hash_table_contains (stop, key))
    return TRUE;
  if (strchr (key, '-') == NULL)
    return FALSE;
  parts = g_strsplit (key, "-", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    if (g_hash_table_contains (stop, parts[i]) || strlen (parts[i]) <= 2)
      return TRUE;
  return FALSE;
}

/* Calls `each` on every word (letters, apostrophes and inner hyphens) of `text`. */
static void
for_each_word (const char *text,
               void      (*each) (const char *word, gsize length, gpointer data),
               gpointer    data)
{
  const char *p = text;

  while (*p != '\0')
    {
      const char *start;

      while (*p != '\0' && !g_unichar_isalpha (g_utf8_get_char (p)))
        p = g_utf8_next_char (p);
      start = p;
      while (*p != '\0')
        {
          gunichar c = g_utf8_get_char (p);

          if (!g_unichar_isalpha (c) && c != '\'' && c != '-')
            break;
          p = g_utf8_next_char (p);
        }
      if (p > start)
        each (start, p - start, data);
    }
}

static void
count_word (const char *word,
            gsize       length,
            gpointer    data)
{
  char key[WORD_MAX];

  if (fold_word (word, length, key))
    counts_add (data, key);
}

/* The transcript says "Write in the language of the lecture": German if its commonest
 * short words are German. */
static gboolean
looks_german (const Counts *counts)
{
  guint de = counts_get (counts, "und") + counts_get (counts, "die")
             + counts_get (counts, "der") + counts_get (counts, "das")
             + counts_get (counts, "ist");
  guint en = counts_get (counts, "and") + counts_get (counts, "the")
             + counts_get (counts, "is") + counts_get (counts, "of")
             + counts_get (counts, "to");

  return de > en;
}

static void
replace_with (GRegex     *regex,
              char      **text,
              const char *replacement,
              gboolean    literal)
{
  char *replaced = literal ? g_regex_replace_literal (regex, *text, -1, 0, replacement, 0, NULL)
                           : g_regex_replace (regex, *text, -1, 0, replacement, 0, NULL);

  if (replaced != NULL)
    {
      g_free (*text);
      *text = replaced;
    }
}

/* Whether a sentence may hold spoken filler ("um", "you know"), to look closer. */
static gboolean
has_filler (const char *text)
{
  static const char * const words[] = { "um", "uh", "erm", "äh", "you know", NULL };

  for (guint i = 0; words[i] != NULL; i++)
    for (const char *p = text; (p = strstr (p, words[i] + 1)) != NULL; p++)
      if (p > text && g_ascii_tolower (p[-1]) == words[i][0])
        return TRUE;
  return FALSE;
}

/* Spoken filler and markup out, so that a sentence of a transcript or of notes reads as
 * written text. */
static char *
clean_sentence (const char *raw)
{
  static const char * const leading[] = {
    "okay, so ", "okay so ", "ok, so ", "so, um, ", "right, so ", "alright, so ",
    "okay, ", "ok, ", "right, ", "alright, ", "all right, ", "so, ", "so ", "now, ", "well, ",
    "and ", "but ", "yeah, ", "yes, ", "also, ", "gut, ", "also ", "ja, ", "na ja, ", NULL
  };
  static GRegex *junk_once;
  GRegex *junk = cached_regex (&junk_once, "\\[\\d{1,2}:\\d{2}(?::\\d{2})?\\]|\\*\\*|`|__", 0);
  static GRegex *fillers_once;
  GRegex *fillers = cached_regex (&fillers_once, "(?i)\\b(?:um|uh|erm|ähm|äh|you know)\\b,?\\s*", 0);
  static GRegex *speaker_once;
  GRegex *speaker = cached_regex (&speaker_once, "^\\s*[\\p{Lu}]{3,}[\\p{Lu} ]*:\\s*", 0);
  static GRegex *spaces_once;
  GRegex *spaces = cached_regex (&spaces_once, "\\s+", 0);
  static GRegex *before_comma_once;
  GRegex *before_comma = cached_regex (&before_comma_once, "\\s+([,.;:!?])|,\\s*(?=[,.])", 0);
  g_autofree char *e = g_strdup (raw);
  char *text;
  gboolean stripped = TRUE;

  /* Each replacement only where a cheap look says it may apply: a replacement allocates even
   * when nothing matches, and this runs on every sentence of every answer. */
  if (strchr (e, '[') != NULL || strstr (e, "**") != NULL || strchr (e, '`') != NULL
      || strstr (e, "__") != NULL)
    replace_with (junk, &e, "", TRUE);
  if (has_filler (e))
    replace_with (fillers, &e, "", TRUE);
  if (g_ascii_isupper (e[strspn (e, " \t")]) && strchr (e, ':') != NULL)
    replace_with (speaker, &e, "", TRUE);
  if (strpbrk (e, "\n\t\r") != NULL || strstr (e, "  ") != NULL)
    replace_with (spaces, &e, " ", TRUE);
  if (strstr (e, " ,") != NULL || strstr (e, " .") != NULL || strstr (e, " ;") != NULL
      || strstr (e, " :") != NULL || strstr (e, " !") != NULL || strstr (e, " ?") != NULL
      || strstr (e, ",,") != NULL || strstr (e, ",.") != NULL || strstr (e, ", ,") != NULL)
    replace_with (before_comma, &e, "\\1", FALSE);
  text = g_strstrip (e);

  while (stripped)
    {
      stripped = FALSE;
      for (guint i = 0; leading[i] != NULL; i++)
        if (g_ascii_strncasecmp (text, leading[i], strlen (leading[i])) == 0)
          {
            text += strlen (leading[i]);
            stripped = TRUE;
          }
    }
  while (*text == '-' || *text == '*' || *text == ' ' || *text == ',')
    text++;
  {
    g_autofree char *upper = capitalise (text);
    gsize len = strlen (upper);

    if (len > 0 && strchr (".!?", upper[len - 1]) == NULL)
      return g_strconcat (upper, ".", NULL);
    return g_steal_pointer (&upper);
  }
}

/* A sentence worth repeating in an answer: long enough to say something, short enough to
 * read, and not a heading, a table row or a line of punctuation. */
static gboolean
good_sentence (const char *text)
{
  glong length = g_utf8_strlen (text, -1);

  return length >= 30 && length <= 240 && count_words (text) >= 5
         && strchr (text, '|') == NULL && strstr (text, "===") == NULL
         && strstr (text, "---") == NULL && !g_str_has_suffix (text, ":.");
}

/* Lines into blocks (a paragraph, a bullet with its continuation lines), blocks into
 * sentences. Headings end a block and start a section: `leads` gets the first good
 * sentence after each. */
static void
split_sentences (const char *text,
                 GPtrArray  *sentences,
                 GPtrArray  *leads)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  static GRegex *splitter_once;
  GRegex *splitter = cached_regex (&splitter_once, "(?<=[.!?])\\s+(?=[\\p{Lu}\"“(\\d])", 0);
  static GRegex *numbered_once;
  GRegex *numbered = cached_regex (&numbered_once, "^\\d{1,2}[.)]\\s", 0);
  static GRegex *metadata_once;
  GRegex *metadata = cached_regex (&metadata_once, "^(?:\\*\\*[^*]{1,40}:\\*\\*|[A-Z][A-Za-z ]{1,30}:\\s"
                                            "*$)", 0);
  g_autoptr(GString) block = g_string_new (NULL);
  gboolean want_lead = leads != NULL;
  gboolean listed = FALSE;
  gboolean in_meta = FALSE;

  for (guint i = 0; ; i++)
    {
      const char *line = lines[i];
      const char *trimmed = line != NULL ? line + strspn (line, " \t") : NULL;
      gboolean bullet = trimmed != NULL && (g_str_has_prefix (trimmed, "- ")
                                            || g_str_has_prefix (trimmed, "* "));
      gboolean item = trimmed != NULL && g_regex_match (numbered, trimmed, 0, NULL);
      /* "**Date:** Tuesday 11 March": the notes' header, not something said. */
      gboolean meta = trimmed != NULL && g_regex_match (metadata, trimmed, 0, NULL);
      gboolean heading = trimmed != NULL && trimmed[0] == '#';
      gboolean stamped = trimmed != NULL && trimmed[0] == '[' && g_ascii_isdigit (trimmed[1]);
      gboolean blank = trimmed == NULL || *trimmed == '\0' || g_str_has_prefix (trimmed, "===")
                       || g_str_has_prefix (trimmed, "---");

      if ((line == NULL || blank || heading || bullet || stamped || item || meta)
          && block->len > 0)
        {
          g_auto(GStrv) parts = g_regex_split (splitter, block->str, 0);

          for (guint p = 0; parts[p] != NULL; p++)
            {
              char *clean = clean_sentence (parts[p]);

              if (!good_sentence (clean))
                {
                  g_free (clean);
                  continue;
                }
              /* An agenda item names a topic; a lead says what happened to it. */
              if (want_lead && !listed && clean[strlen (clean) - 1] == '.')
                {
                  g_ptr_array_add (leads, g_strdup (clean));
                  want_lead = FALSE;
                }
              g_ptr_array_add (sentences, clean);
            }
          g_string_truncate (block, 0);
        }
      if (line == NULL)
        break;
      if (heading && leads != NULL && trimmed[1] == '#')
        want_lead = TRUE;
      /* A header field may run on over the next lines ("Attendees: … Deepa\nNair"). */
      in_meta = meta || (in_meta && !blank && !heading && !bullet && !item);
      if (blank || heading || in_meta)
        continue;
      if (block->len == 0)
        listed = item;
      if (block->len > 0)
        g_string_append_c (block, ' ');
      if (item)
        trimmed += strcspn (trimmed, " ") + 1;
      g_string_append (block, bullet ? trimmed + 2 : trimmed);
    }
}

/* The [HH:MM:SS] paragraphs of a transcript. */
static GPtrArray *
read_paragraphs (const char *input)
{
  GPtrArray *paragraphs = g_ptr_array_new_with_free_func ((GDestroyNotify) paragraph_free);
  static GRegex *stamp_once;
  GRegex *stamp = cached_regex (&stamp_once, "^\\s*\\[(\\d{1,2}):(\\d{2}):(\\d{2})\\]\\s*(.*)$", 0);
  g_auto(GStrv) lines = g_strsplit (input, "\n", -1);
  Paragraph *current = NULL;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(GMatchInfo) match = NULL;

      if (g_regex_match (stamp, lines[i], 0, &match))
        {
          g_autofree char *h = g_match_info_fetch (match, 1);
          g_autofree char *m = g_match_info_fetch (match, 2);
          g_autofree char *s = g_match_info_fetch (match, 3);

          current = g_new0 (Paragraph, 1);
          current->seconds = atoi (h) * 3600 + atoi (m) * 60 + atoi (s);
          current->stamp = g_strdup_printf ("%02d:%02d:%02d", atoi (h), atoi (m), atoi (s));
          current->text = g_match_info_fetch (match, 4);
          g_ptr_array_add (paragraphs, current);
        }
      else if (current != NULL && *lines[i] != '\0')
        {
          char *joined = g_strconcat (current->text, " ", lines[i], NULL);

          g_free (current->text);
          current->text = joined;
        }
    }
  return paragraphs;
}

static const char * const months[] = {
  "january", "february", "march", "april", "may", "june", "july", "august", "september",
  "october", "november", "december", NULL
};

static const char * const weekdays[] = {
  "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", NULL
};

static guint
month_number (const char *name)
{
  for (guint i = 0; months[i] != NULL; i++)
    if (g_ascii_strcasecmp (name, months[i]) == 0)
      return i + 1;
  return 0;
}

/* The first date the input states, "5 June 2025" or "2025-06-05": a meeting's date, against
 * which "by Friday" is resolved. */
static gboolean
read_date (const char *input,
           GDate      *date)
{
  static GRegex *regex_once;
  GRegex *regex = cached_regex (&regex_once, "(?i)\\b(\\d{1,2})(?:st|nd|rd|th)?\\s+(January|"
                                         "February|March|April|May|June|July|August|September|"
                                         "October|November|December)\\s+(\\d{4})\\b|\\b(\\d{4})"
                                         "-(\\d{2})-(\\d{2})\\b", 0);
  g_autoptr(GMatchInfo) match = NULL;
  guint day, month, year;

  if (!g_regex_match (regex, input, 0, &match))
    return FALSE;
  {
    g_autofree char *d = g_match_info_fetch (match, 1);
    g_autofree char *mo = g_match_info_fetch (match, 2);
    g_autofree char *y = g_match_info_fetch (match, 3);
    g_autofree char *iy = g_match_info_fetch (match, 4);
    g_autofree char *im = g_match_info_fetch (match, 5);
    g_autofree char *id = g_match_info_fetch (match, 6);

    if (d != NULL && *d != '\0')
      {
        day = atoi (d);
        month = month_number (mo);
        year = atoi (y);
      }
    else
      {
        day = atoi (id);
        month = atoi (im);
        year = atoi (iy);
      }
  }
  if (!g_date_valid_dmy (day, month, year))
    return FALSE;
  g_date_clear (date, 1);
  g_date_set_dmy (date, day, month, year);
  return TRUE;
}

/* Names ("First Last") from the header of meeting notes — the lines before the first
 * section — outside parentheses, where roles are ("Kwame Mensah (QA)"). */
/* How many times `word` stands as a whole word in `text`, counting up to `max`. */
static guint
count_occurrences (const char *text,
                   const char *word,
                   guint       max)
{
  gsize length = strlen (word);
  guint n = 0;

  for (const char *p = strstr (text, word); p != NULL && n < max; p = strstr (p + 1, word))
    {
      gboolean starts = p == text
                        || !g_unichar_isalpha (g_utf8_get_char (g_utf8_find_prev_char (text, p)));
      gboolean ends = !g_unichar_isalpha (g_utf8_get_char (p + length));

      n += starts && ends;
    }
  return n;
}

static GPtrArray *
read_people (const char *input)
{
  GPtrArray *people = g_ptr_array_new_with_free_func (g_free);
  static GRegex *name_once;
  GRegex *name = cached_regex (&name_once, "\\b(\\p{Lu}\\p{Ll}+)\\s+(\\p{Lu}\\p{Ll}+(?:-\\p{Lu}"
                                        "\\p{Ll}+)?)\\b", 0);
  g_autoptr(GString) header = g_string_new (NULL);
  g_auto(GStrv) lines = g_strsplit (input, "\n", -1);
  int depth = 0;

  /* The header, parenthesised parts blanked out. */
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (g_str_has_prefix (lines[i], "## ") || g_str_has_prefix (lines[i], "---"))
        break;
      if (g_str_has_prefix (lines[i], "# "))
        continue;
      for (const char *p = lines[i]; *p != '\0'; p++)
        {
          if (*p == '(')
            depth++;
          g_string_append_c (header, depth > 0 ? ' ' : *p);
          if (*p == ')' && depth > 0)
            depth--;
        }
      g_string_append_c (header, '\n');
    }

  {
    g_autoptr(GMatchInfo) match = NULL;

    g_regex_match (name, header->str, 0, &match);
    while (g_match_info_matches (match))
      {
        g_autofree char *first = g_match_info_fetch (match, 1);
        g_autofree char *last = g_match_info_fetch (match, 2);
        char *full = g_strdup_printf ("%s %s", first, last);
        guint n = count_occurrences (input, first, 2);

        /* A person is named again in the notes; "Release Notes" and weekdays are not. */
        if (n >= 2 && month_number (last) == 0
            && !g_ptr_array_find_with_equal_func (people, full, g_str_equal, NULL))
          g_ptr_array_add (people, full);
        else
          g_free (full);
        g_match_info_next (match, NULL);
      }
  }
  return people;
}

/* ---------------------------------------------------------------------------------------- */
/* Meetings: who will do what by when, and what was decided                                 */

/* The next `weekday` (1 Monday … 7 Sunday) after `from`, `weeks` weeks on. */
static void
next_weekday (const GDate *from,
              guint        weekday,
              guint        weeks,
              GDate       *out)
{
  guint today = g_date_get_weekday (from);
  guint ahead = (weekday + 7 - today) % 7;

  *out = *from;
  g_date_add_days (out, (ahead == 0 ? 7 : ahead) + 7 * weeks);
}

/* "by Friday", "end of next week", "14 March": a due date against the meeting's date. */
static gboolean
resolve_due (Writer     *w,
             const char *task,
             GDate      *due)
{
  g_autofree char *lower = g_utf8_strdown (task, -1);
  static GRegex *day_month_once;
  GRegex *day_month = cached_regex (&day_month_once, "(?i)\\b(\\d{1,2})(?:st|nd|rd|th)?\\s+(January|"
                                             "February|March|April|May|June|July|August|"
                                             "September|October|November|December)\\b", 0);
  g_autoptr(GMatchInfo) match = NULL;
  gboolean next_week = strstr (lower, "next week") != NULL
                       || strstr (lower, "following") != NULL;

  if (!w->has_date)
    return FALSE;
  if (g_regex_match (day_month, task, 0, &match))
    {
      g_autofree char *d = g_match_info_fetch (match, 1);
      g_autofree char *m = g_match_info_fetch (match, 2);
      guint year = g_date_get_year (&w->date);

      if (!g_date_valid_dmy (atoi (d), month_number (m), year))
        return FALSE;
      g_date_clear (due, 1);
      g_date_set_dmy (due, atoi (d), month_number (m), year);
      return TRUE;
    }
  for (guint i = 0; weekdays[i] != NULL; i++)
    if (strstr (lower, weekdays[i]) != NULL)
      {
        next_weekday (&w->date, i + 1, next_week ? 1 : 0, due);
        return TRUE;
      }
  if (next_week || strstr (lower, "this week") != NULL)
    {
      next_weekday (&w->date, G_DATE_FRIDAY, next_week ? 1 : 0, due);
      return TRUE;
    }
  return FALSE;
}

/* "Tomás will check the logs this week": Tomás Ortega, "Check the logs this week". "He'll"
 * is the last person named. */
static void
find_commitments (Writer *w)
{
  static GRegex *cue_once;
  GRegex *cue = cached_regex (&cue_once, "(?:^|\\s)(\\p{Lu}\\p{Ll}+|He|She|They)(?:'ll|’ll| will|"
                                       " is going to| agreed to| offered to| volunteered to|"
                                       " promised to| said (?:he|she|they)(?:'d| would))\\s+"
                                       "(.+)$", 0);
  const char *last_person = NULL;

  w->commitments = g_ptr_array_new_with_free_func ((GDestroyNotify) commitment_free);
  w->decisions = g_ptr_array_new_with_free_func (g_free);

  for (guint s = 0; s < w->sentences->len; s++)
    {
      const char *sentence = g_ptr_array_index (w->sentences, s);
      g_autoptr(GMatchInfo) match = NULL;
      const char *owner = NULL;

      if (g_regex_match (cue, sentence, 0, &match))
        {
          g_autofree char *who = g_match_info_fetch (match, 1);

          if (g_str_equal (who, "He") || g_str_equal (who, "She") || g_str_equal (who, "They"))
            owner = last_person;
          else
            for (guint p = 0; p < w->people->len && owner == NULL; p++)
              {
                const char *person = g_ptr_array_index (w->people, p);

                if (g_str_has_prefix (person, who) && person[strlen (who)] == ' ')
                  owner = person;
              }
          if (owner != NULL)
            {
              g_autofree char *rest = g_match_info_fetch (match, 2);

              /* "she'd "probably" do it" is no task anyone could act on. */
              if (!g_unichar_isalpha (g_utf8_get_char (rest)))
                continue;
              Commitment *commitment = g_new0 (Commitment, 1);

              commitment->owner = g_strdup (owner);
              commitment->task = capitalise (rest);
              commitment->has_due = resolve_due (w, rest, &commitment->due);
              g_ptr_array_add (w->commitments, commitment);
            }
        }
      if (owner == NULL)
        {
          g_autofree char *lower = g_utf8_strdown (sentence, -1);

          if (strstr (lower, "decided") != NULL || strstr (lower, "decision") != NULL
              || strstr (lower, "agreed") != NULL || strstr (lower, "approved") != NULL
              || strstr (lower, "go ahead") != NULL || strstr (lower, "we'll go with") != NULL)
            g_ptr_array_add (w->decisions, g_strdup (sentence));
        }

      for (guint p = 0; p < w->people->len; p++)
        {
          const char *person = g_ptr_array_index (w->people, p);
          g_autofree char *first = g_strndup (person, strcspn (person, " "));

          if (strstr (sentence, first) != NULL)
            last_person = person;
        }
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Lectures: chapters on the transcript's own timestamps                                     */

typedef struct {
  Counts      chapter;   /* lower-cased → count in the chapter */
  Counts      spelled;   /* each word as written ("Alice", "alice") → count */
  GHashTable *forms;     /* lower-cased (in `chapter`) → the spelling seen most (in `spelled`) */
} ChapterWords;

static void
count_chapter_word (const char *word,
                    gsize       length,
                    gpointer    data)
{
  ChapterWords *words = data;
  char key[WORD_MAX];
  char form[WORD_MAX];

  if (length >= WORD_MAX || !fold_word (word, length, key))
    return;
  memcpy (form, word, length);
  form[length] = '\0';
  counts_add (&words->chapter, key);
  counts_add (&words->spelled, form);
}

/* How each word is spelled most often: a proper noun keeps its capital, a German noun too. */
static void
choose_forms (ChapterWords *words)
{
  GHashTableIter iter;
  gpointer form, count;

  words->forms = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_iter_init (&iter, words->spelled.table);
  while (g_hash_table_iter_next (&iter, &form, &count))
    {
      char key[WORD_MAX];
      gpointer stored = NULL, unused = NULL;
      const char *best;

      if (!fold_word (form, strlen (form), key)
          || !g_hash_table_lookup_extended (words->chapter.table, key, &stored, &unused))
        continue;
      best = g_hash_table_lookup (words->forms, stored);
      if (best == NULL || GPOINTER_TO_UINT (count) > counts_get (&words->spelled, best)
          || (GPOINTER_TO_UINT (count) == counts_get (&words->spelled, best)
              && strcmp (form, best) < 0))
        g_hash_table_insert (words->forms, stored, form);
    }
}

typedef struct {
  const char *key;
  double      score;
} Keyword;

static int
compare_keywords (gconstpointer a,
                  gconstpointer b)
{
  const Keyword *x = a;
  const Keyword *y = b;

  if (x->score != y->score)
    return x->score < y->score ? 1 : -1;
  return strcmp (x->key, y->key);
}

/* The words this chapter is about: frequent in it, rare elsewhere (c² / c_lecture), five
 * letters or more, no filler. Returns Keyword in `keywords`, best first; the keys belong to
 * `words`. */
static void
chapter_keywords (Writer       *w,
                  ChapterWords *words,
                  GHashTable   *stop,
                  GArray       *keywords)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, words->chapter.table);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      guint n = GPOINTER_TO_UINT (value);
      guint all = MAX (counts_get (&w->counts, key), n);
      Keyword keyword = { key, (double) n * n / all };

      if (g_utf8_strlen (key, -1) < 5 || is_stopword (stop, key) || n < 2
          || strchr (key, '\'') != NULL)
        continue;
      g_array_append_val (keywords, keyword);
    }
  g_array_sort (keywords, compare_keywords);
}

static double
sentence_weight (const char *sentence,
                 GArray     *keywords,
                 guint       top)
{
  g_autofree char *folded = g_utf8_strdown (sentence, -1);
  double weight = 0;

  for (guint k = 0; k < MIN (top, keywords->len); k++)
    {
      const Keyword *keyword = &g_array_index (keywords, Keyword, k);

      if (strstr (folded, keyword->key) != NULL)
        weight += keyword->score;
    }
  return weight;
}

typedef struct {
  guint  index;
  double weight;
} Ranked;

static int
compare_ranked (gconstpointer a,
                gconstpointer b)
{
  const Ranked *x = a;
  const Ranked *y = b;

  if (x->weight != y->weight)
    return x->weight < y->weight ? 1 : -1;
  return x->index < y->index ? -1 : x->index > y->index;
}

static int
compare_index (gconstpointer a,
               gconstpointer b)
{
  const Ranked *x = a;
  const Ranked *y = b;

  return x->index < y->index ? -1 : x->index > y->index;
}

/* A title from the chapter's keywords ("Buffer, steal and force") and a description of the
 * sentences that carry most of them, as many as the model's verbosity asks. */
static void
describe_chapter (Writer     *w,
                  Chapter    *chapter,
                  GHashTable *stop)
{
  ChapterWords words = { 0 };
  g_autoptr(GArray) keywords = g_array_new (FALSE, FALSE, sizeof (Keyword));
  g_autoptr(GPtrArray) sentences = g_ptr_array_new ();
  g_autoptr(GArray) ranked = g_array_new (FALSE, FALSE, sizeof (Ranked));
  g_autoptr(GString) title = g_string_new (NULL);
  g_autoptr(GString) text = g_string_new (NULL);
  guint n_keywords = w->model->verbosity < 0.8 ? 2 : 3;
  guint n_sentences = sentences_for (w, MAX (1, (guint) floor (w->model->verbosity * 2
                                                                + 0.2)));
  /* A chapter runs to the next one's first paragraph; the last one to the end. */
  guint last = chapter->end + 1 >= w->paragraphs->len ? w->paragraphs->len
               : MAX (chapter->end, chapter->first + 1);

  counts_init (&words.chapter);
  counts_init (&words.spelled);

  for (guint p = chapter->first; p < last && p < w->paragraphs->len; p++)
    {
      Paragraph *paragraph = g_ptr_array_index (w->paragraphs, p);

      for_each_word (paragraph->text, count_chapter_word, &words);
      for (guint i = 0; i < paragraph->n_sentences; i++)
        g_ptr_array_add (sentences, g_ptr_array_index (w->sentences,
                                                       paragraph->first_sentence + i));
    }
  chapter_keywords (w, &words, stop, keywords);
  choose_forms (&words);

  /* German titles are nouns, and German nouns are capitalised. */
  if (w->german)
    for (guint k = 0; k < keywords->len; k++)
      {
        const char *form = g_hash_table_lookup (words.forms,
                                                g_array_index (keywords, Keyword, k).key);

        if (!g_unichar_isupper (g_utf8_get_char (form)))
          g_array_remove_index (keywords, k--);
      }
  for (guint k = 0; k < MIN (n_keywords, keywords->len); k++)
    {
      const char *form = g_hash_table_lookup (words.forms,
                                              g_array_index (keywords, Keyword, k).key);

      if (k > 0)
        g_string_append (title, k + 1 == MIN (n_keywords, keywords->len)
                                ? (w->german ? " und " : " and ") : ", ");
      g_string_append (title, form);
    }
  if (title->len == 0)
    g_string_append (title, w->german ? "Überblick" : "Overview");
  chapter->title = capitalise (title->str);

  for (guint s = 0; s < sentences->len; s++)
    {
      const char *sentence = g_ptr_array_index (sentences, s);
      /* Each answer weighs the sentences its own way: models do not all quote the same. */
      Ranked rank = { s, sentence_weight (sentence, keywords, 6)
                         * (0.6 + 0.8 * tb_rng_double (&w->rng)) };

      /* Questions are the students'; a description states what is taught, briefly. */
      if (g_str_has_suffix (sentence, "?"))
        rank.weight -= 1000;
      if (g_utf8_strlen (sentence, -1) > 160)
        rank.weight -= 500;
      g_array_append_val (ranked, rank);
    }
  g_array_sort (ranked, compare_ranked);
  g_array_set_size (ranked, MIN (ranked->len, n_sentences));
  g_array_sort (ranked, compare_index);
  for (guint r = 0; r < ranked->len; r++)
    {
      if (text->len > 0)
        g_string_append_c (text, ' ');
      g_string_append (text, g_ptr_array_index (sentences, g_array_index (ranked, Ranked, r).index));
    }
  if (text->len == 0)
    g_string_append (text, chapter->title);
  chapter->description = g_strdup (text->str);

  g_hash_table_unref (words.forms);
  counts_clear (&words.chapter);
  counts_clear (&words.spelled);
}

/* A topic change is announced: "Okay, so…", "Now for…", "Let's take stock". */
static gboolean
starts_topic (const char *text)
{
  static const char * const cues[] = {
    "okay", "ok,", "ok so", "so,", "right,", "alright", "all right", "now", "let's", "let me",
    "next", "moving on", "the second", "the last", "finally", "to sum up", "gut,", "jetzt",
    "kommen wir", "nun", "als nächstes", "so,", NULL
  };
  const char *p = text + strspn (text, " \t");

  for (guint i = 0; cues[i] != NULL; i++)
    if (g_ascii_strncasecmp (p, cues[i], strlen (cues[i])) == 0)
      return TRUE;
  return FALSE;
}

/* Chapters of about five and a half minutes (a terse model: eight, a wordy one: five), whose
 * boundaries fall on paragraphs near the even split, announced ones preferred. */
static void
plan_chapters (Writer *w)
{
  guint n = w->paragraphs->len;
  Paragraph *first, *last;
  double span, target;
  guint count, previous = 0;
  g_autoptr(GHashTable) stop = NULL;

  w->chapters = g_ptr_array_new_with_free_func ((GDestroyNotify) chapter_free);
  if (n < 2)
    return;
  first = g_ptr_array_index (w->paragraphs, 0);
  last = g_ptr_array_index (w->paragraphs, n - 1);
  span = last->seconds > first->seconds ? last->seconds - first->seconds : 60.0 * n;
  target = w->model->verbosity < 0.8 ? 480 : w->model->verbosity > 1.2 ? 300 : 330;
  /* Three to eight chapters, as the notes of a lecture ask: long lectures get longer
   * chapters rather than many more of them. */
  count = MIN (CLAMP ((guint) floor (span / target + 0.5), 3, 8), n - 1);

  for (guint k = 0; k < count; k++)
    {
      Chapter *chapter = g_new0 (Chapter, 1);
      guint start = 0;

      if (k > 0)
        {
          double ideal = first->seconds + span * k / count
                         + (tb_rng_double (&w->rng) - 0.5) * 0.2 * target;
          double best = G_MAXDOUBLE;
          guint highest = n - 1 - (count - k);

          start = previous + 1;
          for (guint p = previous + 1; p <= highest; p++)
            {
              Paragraph *paragraph = g_ptr_array_index (w->paragraphs, p);
              double cost = fabs (paragraph->seconds - ideal)
                            - (starts_topic (paragraph->text) ? 60 : 0);

              if (cost < best)
                {
                  best = cost;
                  start = p;
                }
            }
        }
      chapter->first = start;
      previous = start;
      g_ptr_array_add (w->chapters, chapter);
    }
  for (guint k = 0; k < count; k++)
    {
      Chapter *chapter = g_ptr_array_index (w->chapters, k);

      chapter->end = k + 1 < count ? ((Chapter *) g_ptr_array_index (w->chapters, k + 1))->first
                                   : n - 1;
    }

  stop = stopword_set ();
  for (guint k = 0; k < count; k++)
    describe_chapter (w, g_ptr_array_index (w->chapters, k), stop);
}

/* ---------------------------------------------------------------------------------------- */
/* Instances of a JSON Schema                                                                */

typedef struct {
  gint        chapter;     /* index into w->chapters, or -1 */
  Commitment *commitment;  /* nullable */
  gint        item;        /* index in the enclosing array, or -1 */
} Place;

static gboolean
name_has (const char *name,
          const char *const *parts)
{
  g_autofree char *lower = g_ascii_strdown (name != NULL ? name : "", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    if (strstr (lower, parts[i]) != NULL)
      return TRUE;
  return FALSE;
}

static const char * const title_names[] = { "title", "heading", "topic", "subject", "headline",
                                            NULL };
static const char * const owner_names[] = { "owner", "assignee", "person", "who",
                                            "responsible", "name", NULL };
static const char * const task_names[] = { "task", "action", "todo", NULL };
static const char * const prose_names[] = { "description", "summary", "detail", "text", "note",
                                            "reason", "explanation", "content", "body",
                                            "decision", "comment", "task", NULL };
static const char * const start_names[] = { "start", "begin", "from", NULL };

static gboolean
is_time_pattern (const char *pattern)
{
  return pattern != NULL && strstr (pattern, ":\\d{2}") != NULL
         && strstr (pattern, "\\d{4}") == NULL;
}

static gboolean
is_date_pattern (const char *pattern)
{
  return pattern != NULL && strstr (pattern, "\\d{4}-\\d{2}-\\d{2}") != NULL;
}

/* The type an instance takes: the first non-null one of a list. */
static const char *
schema_type (JsonObject *schema,
             gboolean   *nullable)
{
  JsonNode *type = schema != NULL ? json_object_get_member (schema, "type") : NULL;

  *nullable = FALSE;
  if (type != NULL && JSON_NODE_HOLDS_VALUE (type)
      && json_node_get_value_type (type) == G_TYPE_STRING)
    return json_node_get_string (type);
  if (type != NULL && JSON_NODE_HOLDS_ARRAY (type))
    {
      JsonArray *types = json_node_get_array (type);
      const char *chosen = NULL;

      for (guint i = 0; i < json_array_get_length (types); i++)
        {
          const char *one = tb_json_array_string (types, i);

          if (g_strcmp0 (one, "null") == 0)
            *nullable = TRUE;
          else if (one != NULL && chosen == NULL)
            chosen = one;
        }
      if (chosen != NULL)
        return chosen;
      return "null";
    }
  if (schema != NULL && json_object_has_member (schema, "properties"))
    return "object";
  if (schema != NULL && json_object_has_member (schema, "items"))
    return "array";
  return "string";
}

static const char *
next_from (GPtrArray *list,
           guint     *next)
{
  const char *text;

  if (list == NULL || list->len == 0)
    return NULL;
  text = g_ptr_array_index (list, *next % list->len);
  (*next)++;
  return text;
}

/* Sentences spread over the input: `step` apart, so that a summary walks through it. */
static const char *
next_sentence (Writer *w)
{
  guint step = MAX (1, w->sentences->len / 6);
  const char *text;

  if (w->sentences->len == 0)
    return w->german ? "Keine Angaben im Text." : "The input gives no details.";
  text = g_ptr_array_index (w->sentences, (w->next_sentence * step) % w->sentences->len);
  w->next_sentence++;
  return text;
}

static char *
summary_text (Writer *w)
{
  g_autoptr(GString) text = g_string_new (NULL);
  guint n = CLAMP (sentences_for (w, (guint) floor (1 + w->model->verbosity * 3 + 0.5)), 2, 6);

  for (guint i = 0; i < n; i++)
    {
      const char *sentence = w->leads->len > 0 && w->next_lead < w->leads->len
                             ? next_from (w->leads, &w->next_lead) : next_sentence (w);

      if (text->len > 0)
        g_string_append_c (text, ' ');
      g_string_append (text, sentence);
    }
  return g_strdup (text->str);
}

/* A string node that takes `text`. */
static JsonNode *
take_string_node (char *text)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  json_node_set_string (node, text);
  g_free (text);
  return node;
}

/* Free text with the tag placed after it, if it has no place yet. */
static JsonNode *
prose_node (Writer *w,
            char   *text)
{
  if (!w->tagged)
    {
      char *tagged = g_strconcat (text, " " TAG_PLACEHOLDER, NULL);

      g_free (text);
      text = tagged;
      w->tagged = TRUE;
    }
  return take_string_node (text);
}

static JsonNode *
string_node (const char *text)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  json_node_set_string (node, text);
  return node;
}

/* "00:07:06" as a careless model writes it: "7:06". */
static char *
careless_time (const char *stamp)
{
  int h = 0, m = 0, s = 0;

  sscanf (stamp, "%d:%d:%d", &h, &m, &s);
  if (h > 0)
    return g_strdup_printf ("%d:%02d:%02d", h, m, s);
  return g_strdup_printf ("%d:%02d", m, s);
}

/* A chance to break a rule, taken once per answer that is meant to. */
static gboolean
slip_now (Writer *w)
{
  if (!w->slip || w->slipped || !chance (w, 0.4))
    return FALSE;
  w->slipped = TRUE;
  return TRUE;
}

/* An enum value: the priority of an action item follows its due date; others, the value
 * whose words the context uses most, else any. */
static JsonNode *
enum_node (Writer     *w,
           JsonArray  *values,
           const char *name,
           Place      *place)
{
  guint n = json_array_get_length (values);
  const char *chosen = NULL;

  if (slip_now (w))
    return string_node ("unknown");
  if (place->commitment != NULL && name_has (name, (const char * const[]) { "priority", NULL }))
    {
      const char *wanted = "low";

      if (place->commitment->has_due && w->has_date)
        wanted = g_date_days_between (&w->date, &place->commitment->due) <= 7 ? "high"
                                                                              : "medium";
      for (guint i = 0; i < n; i++)
        if (g_strcmp0 (tb_json_array_string (values, i), wanted) == 0)
          chosen = wanted;
    }
  if (chosen == NULL && n > 0)
    {
      JsonNode *value = json_array_get_element (values, tb_rng_below (&w->rng, n));

      return json_node_copy (value);
    }
  return string_node (chosen != NULL ? chosen : "");
}

/* A string that matches a pattern the writer does not know: the first of a few likely
 * shapes that does, else a word. */
static char *
matching_string (Writer     *w,
                 const char *pattern)
{
  g_autoptr(GRegex) regex = g_regex_new (pattern, 0, 0, NULL);
  const char *candidates[] = { "example", "Example", "EXAMPLE", "example-1", "1", "42",
                               "00:00:00", "2025-01-01", "a@example.com", "https://example.com",
                               NULL };

  for (guint i = 0; regex != NULL && candidates[i] != NULL; i++)
    if (g_regex_match (regex, candidates[i], 0, NULL))
      return g_strdup (candidates[i]);
  return g_strdup (next_sentence (w));
}

static JsonNode *
string_value (Writer     *w,
              JsonObject *schema,
              const char *name,
              Place      *place,
              gboolean    nullable)
{
  const char *pattern = tb_json_get_string (schema, "pattern");
  JsonArray *values = tb_json_get_array (schema, "enum");
  Chapter *chapter = place->chapter >= 0 ? g_ptr_array_index (w->chapters, place->chapter)
                                         : NULL;

  if (values != NULL)
    return enum_node (w, values, name, place);

  if (is_time_pattern (pattern))
    {
      const char *stamp = "00:00:00";

      if (chapter != NULL)
        {
          guint index = name_has (name, start_names) ? chapter->first : chapter->end;

          stamp = ((Paragraph *) g_ptr_array_index (w->paragraphs, index))->stamp;
        }
      else if (w->paragraphs->len > 0)
        stamp = ((Paragraph *) g_ptr_array_index (w->paragraphs, 0))->stamp;
      if (slip_now (w))
        return take_string_node (careless_time (stamp));
      return string_node (stamp);
    }

  if (is_date_pattern (pattern) || name_has (name, (const char * const[]) { "date", "due",
                                                                            "deadline", NULL }))
    {
      GDate date;
      gboolean known = FALSE;

      if (place->commitment != NULL && place->commitment->has_due)
        {
          date = place->commitment->due;
          known = TRUE;
        }
      else if (place->commitment == NULL && w->has_date)
        {
          date = w->date;
          known = TRUE;
        }
      /* "Friday" where a date was asked for. */
      if (known && slip_now (w))
        return take_string_node (capitalise (weekdays[g_date_get_weekday (&date) - 1]));
      if (known)
        {
          char text[16];

          g_date_strftime (text, sizeof text, "%Y-%m-%d", &date);
          return string_node (text);
        }
      if (nullable)
        return json_node_new (JSON_NODE_NULL);
      return string_node ("2025-01-01");
    }

  if (pattern != NULL)
    return take_string_node (matching_string (w, pattern));

  if (name_has (name, title_names))
    {
      if (chapter != NULL)
        return string_node (chapter->title);
      return string_node (first_words (next_sentence (w), 6));
    }
  if (place->commitment != NULL && name_has (name, owner_names))
    return string_node (place->commitment->owner);
  if (name_has (name, owner_names))
    return string_node (w->people->len > 0 ? g_ptr_array_index (w->people, 0)
                                           : "Unassigned");
  if (place->commitment != NULL && name_has (name, task_names))
    return prose_node (w, g_strdup (place->commitment->task));
  if (chapter != NULL && name_has (name, prose_names))
    return prose_node (w, g_strdup (chapter->description));
  if (name_has (name, (const char * const[]) { "decision", NULL }) && w->decisions->len > 0)
    return prose_node (w, g_strdup (next_from (w->decisions, &w->next_decision)));
  if (name_has (name, (const char * const[]) { "summary", "overview", "abstract", NULL }))
    return prose_node (w, summary_text (w));
  if (name_has (name, prose_names))
    return prose_node (w, g_strdup (next_sentence (w)));
  return string_node (next_sentence (w));
}

static JsonNode *instance (Writer     *w,
                           JsonObject *schema,
                           const char *name,
                           Place      *place);

/* How many items an array gets, and what each stands for: the chapters of a transcript,
 * the commitments of a meeting, its decisions, or a few sentences. */
static JsonNode *
array_instance (Writer     *w,
                JsonObject *schema,
                const char *name)
{
  JsonObject *items = tb_json_get_object (schema, "items");
  JsonObject *properties = tb_json_get_object (items, "properties");
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);
  JsonArray *array = json_array_new ();
  gint64 min_items = tb_json_get_int (schema, "minItems", 0);
  gint64 max_items = tb_json_get_int (schema, "maxItems", G_MAXINT);
  gboolean has_start = FALSE, has_end = FALSE, has_owner = FALSE;
  guint count;
  enum { GENERIC, CHAPTERS, COMMITMENTS, DECISIONS } kind = GENERIC;

  if (properties != NULL)
    {
      g_autoptr(GList) members = json_object_get_members (properties);

      for (GList *l = members; l != NULL; l = l->next)
        {
          JsonObject *property = tb_json_get_object (properties, l->data);

          if (is_time_pattern (tb_json_get_string (property, "pattern")))
            {
              if (name_has (l->data, start_names))
                has_start = TRUE;
              else
                has_end = TRUE;
            }
          if (name_has (l->data, owner_names))
            has_owner = TRUE;
        }
    }

  if (has_start && has_end && w->chapters->len > 0)
    {
      kind = CHAPTERS;
      count = w->chapters->len;
    }
  else if (has_owner && w->commitments->len > 0)
    {
      kind = COMMITMENTS;
      count = w->commitments->len;
    }
  else if (name_has (name, (const char * const[]) { "decision", NULL })
           && w->decisions->len > 0)
    {
      kind = DECISIONS;
      count = MIN (w->decisions->len, (guint) floor (1.5 + w->model->verbosity * 2.5));
    }
  else
    count = 2 + (guint) floor (w->model->verbosity + 0.5);
  count = (guint) CLAMP ((gint64) count, min_items, MAX (min_items, max_items));

  json_node_take_array (node, array);
  for (guint i = 0; i < count; i++)
    {
      Place place = { -1, NULL, (gint) i };

      if (kind == CHAPTERS)
        place.chapter = i < w->chapters->len ? (gint) i : -1;
      else if (kind == COMMITMENTS)
        {
          place.commitment = g_ptr_array_index (w->commitments, i % w->commitments->len);
          /* A terse model misses some of them. */
          if (i > 0 && !chance (w, 0.4 + 0.6 * w->model->verbosity))
            continue;
        }
      json_array_add_element (array, instance (w, items, name, &place));
    }
  return node;
}

static JsonNode *
object_instance (Writer     *w,
                 JsonObject *schema,
                 Place      *place)
{
  JsonObject *properties = tb_json_get_object (schema, "properties");
  JsonObject *object = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  if (properties != NULL)
    {
      g_autoptr(GList) members = json_object_get_members (properties);

      for (GList *l = members; l != NULL; l = l->next)
        json_object_set_member (object, l->data,
                                instance (w, tb_json_get_object (properties, l->data), l->data,
                                          place));
    }
  json_node_take_object (node, object);
  return node;
}

static JsonNode *
instance (Writer     *w,
          JsonObject *schema,
          const char *name,
          Place      *place)
{
  gboolean nullable = FALSE;
  const char *type = schema_type (schema, &nullable);
  JsonNode *node;

  if (g_str_equal (type, "object"))
    return object_instance (w, schema, place);
  if (g_str_equal (type, "array"))
    return array_instance (w, schema, name);
  if (g_str_equal (type, "string"))
    return string_value (w, schema, name, place, nullable);
  if (g_str_equal (type, "integer") || g_str_equal (type, "number"))
    {
      double low = 0, high = 10;

      tb_json_get_double (schema, "minimum", &low);
      tb_json_get_double (schema, "maximum", &high);
      node = json_node_new (JSON_NODE_VALUE);
      if (g_str_equal (type, "integer"))
        json_node_set_int (node, (gint64) ceil (low)
                                 + (high >= ceil (low) + 2 ? tb_rng_below (&w->rng, 3) : 0));
      else
        json_node_set_double (node, round_to (low + (high - low) * tb_rng_double (&w->rng),
                                              0.1));
      return node;
    }
  if (g_str_equal (type, "boolean"))
    {
      node = json_node_new (JSON_NODE_VALUE);
      json_node_set_boolean (node, TRUE);
      return node;
    }
  return json_node_new (JSON_NODE_NULL);
}

/* ---------------------------------------------------------------------------------------- */
/* CSV                                                                                       */

typedef struct {
  char      *name;
  GPtrArray *values;        /* char*: the allowed values, when the prompt lists them */
  GPtrArray *descriptions;  /* char*: the words that describe each value */
} Column;

static void
column_free (Column *column)
{
  g_free (column->name);
  g_clear_pointer (&column->values, g_ptr_array_unref);
  g_clear_pointer (&column->descriptions, g_ptr_array_unref);
  g_free (column);
}

/* "category is one of:" followed by indented "value  description" lines (deeper indented
 * lines continue a description), or "sentiment is one of: positive, neutral, …". */
static void
read_allowed_values (const char *task,
                     Column     *column)
{
  g_auto(GStrv) lines = g_strsplit (task, "\n", -1);
  g_autofree char *opening = g_strdup_printf ("%s is one of", column->name);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *trimmed = lines[i] + strspn (lines[i], " \t");
      const char *rest;
      gsize indent = 0;

      if (!g_str_has_prefix (trimmed, opening))
        continue;
      column->values = g_ptr_array_new_with_free_func (g_free);
      column->descriptions = g_ptr_array_new_with_free_func (g_free);
      rest = trimmed + strlen (opening);
      rest += strspn (rest, ": ");
      if (*rest != '\0')
        {
          g_auto(GStrv) words = g_strsplit_set (rest, ",. ", -1);

          for (guint k = 0; words[k] != NULL; k++)
            if (*words[k] != '\0' && !g_str_equal (words[k], "or"))
              {
                g_ptr_array_add (column->values, g_strdup (words[k]));
                g_ptr_array_add (column->descriptions, g_strdup (""));
              }
          return;
        }
      for (guint k = i + 1; lines[k] != NULL; k++)
        {
          gsize here = strspn (lines[k], " \t");
          const char *text = lines[k] + here;

          if (*text == '\0' || (indent > 0 && here < indent))
            break;
          if (indent == 0)
            indent = here;
          if (indent == 0)
            break;
          if (here == indent)
            {
              gsize word = strcspn (text, " \t");

              g_ptr_array_add (column->values, g_strndup (text, word));
              g_ptr_array_add (column->descriptions, g_ascii_strdown (text + word, -1));
            }
          else if (column->descriptions->len > 0)
            {
              char **last = (char **) &column->descriptions->pdata[column->descriptions->len - 1];
              char *joined = g_strconcat (*last, " ", text, NULL);

              g_free (*last);
              *last = g_ascii_strdown (joined, -1);
              g_free (joined);
            }
        }
      return;
    }
}

/* The header the prompt asks for: its first line that is a list of identifiers. */
static GPtrArray *
read_header (const char *task)
{
  GPtrArray *columns = g_ptr_array_new_with_free_func ((GDestroyNotify) column_free);
  static GRegex *header_once;
  GRegex *header = cached_regex (&header_once, "^\\s*([A-Za-z_][A-Za-z0-9_]*(?:,[A-Za-z_]"
                                          "[A-Za-z0-9_]*)+)\\s*$", G_REGEX_MULTILINE);
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *line = NULL;
  g_auto(GStrv) names = NULL;

  if (g_regex_match (header, task, 0, &match))
    line = g_match_info_fetch (match, 1);
  names = g_strsplit (line != NULL ? line : "item,summary", ",", -1);
  for (guint i = 0; names[i] != NULL; i++)
    {
      Column *column = g_new0 (Column, 1);

      column->name = g_strdup (names[i]);
      read_allowed_values (task, column);
      g_ptr_array_add (columns, column);
    }
  return columns;
}

typedef struct {
  char *id;
  char *text;
} Record;

static void
record_free (Record *record)
{
  g_free (record->id);
  g_free (record->text);
  g_free (record);
}

/* The items of the input a CSV has a row for: "Ticket: CW-10251" blocks, else paragraphs. */
static GPtrArray *
read_records (const char *input)
{
  GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify) record_free);
  static GRegex *id_line_once;
  GRegex *id_line = cached_regex (&id_line_once, "^(?:Ticket|Ticket ID|ID|Id|Case|Issue|Order|"
                                           "Request|Item)\\s*#?\\s*:\\s*(\\S+)\\s*$", G_REGEX_MULTILINE);
  g_autoptr(GMatchInfo) match = NULL;
  Record *previous = NULL;
  gint previous_end = 0;

  g_regex_match (id_line, input, 0, &match);
  while (g_match_info_matches (match))
    {
      gint start, end;
      Record *record = g_new0 (Record, 1);

      g_match_info_fetch_pos (match, 0, &start, &end);
      if (previous != NULL)
        previous->text = g_strndup (input + previous_end, start - previous_end);
      record->id = g_match_info_fetch (match, 1);
      g_ptr_array_add (records, record);
      previous = record;
      previous_end = end;
      g_match_info_next (match, NULL);
    }
  if (previous != NULL)
    previous->text = g_strdup (input + previous_end);

  if (records->len == 0)
    {
      g_auto(GStrv) blocks = g_regex_split_simple ("\\n\\s*\\n", input, 0, 0);

      for (guint i = 0; blocks[i] != NULL; i++)
        if (count_words (blocks[i]) >= 5)
          {
            Record *record = g_new0 (Record, 1);

            record->id = g_strdup_printf ("%u", records->len + 1);
            record->text = g_strdup (blocks[i]);
            g_ptr_array_add (records, record);
          }
    }
  return records;
}

/* What a ticket is about, in at most 20 words: its subject, and for a wordier model the
 * first sentence of its body. */
static char *
record_summary (Writer *w,
                Record *record)
{
  static GRegex *subject_once;
  GRegex *subject = cached_regex (&subject_once, "^Subject:\\s*(.+)$", G_REGEX_MULTILINE);
  g_autoptr(GMatchInfo) match = NULL;
  g_autoptr(GPtrArray) sentences = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *lead = NULL;
  const char *body = record->text;
  gint end = 0;

  if (g_regex_match (subject, record->text, 0, &match))
    {
      lead = g_match_info_fetch (match, 1);
      g_match_info_fetch_pos (match, 0, NULL, &end);
      body = record->text + end;
    }
  split_sentences (body, sentences, NULL);
  if (lead == NULL)
    return first_words (sentences->len > 0 ? g_ptr_array_index (sentences, 0) : record->text,
                        20);
  /* A wordier model adds the body's first sentence when the whole still fits in 20 words. */
  for (guint i = 0; w->model->verbosity > 0.8 && i < MIN (sentences->len, 2); i++)
    {
      const char *sentence = g_ptr_array_index (sentences, i);

      if (count_words (lead) + count_words (sentence) <= 20 && strchr (sentence, ':') == NULL)
        {
          g_autofree char *stem = first_words (lead, 20);

          return g_strdup_printf ("%s: %s", stem, sentence);
        }
    }
  return first_words (lead, 20);
}

/* The tickets lower-cased once, and how many of them have a word (asked once a word). */
typedef struct {
  GPtrArray  *lowered;   /* char*, one per record */
  Counts      tickets;   /* word → 1 + the number of records that have it */
} Corpus;

static guint
tickets_with (Corpus     *corpus,
              const char *word)
{
  guint n = counts_get (&corpus->tickets, word);

  if (n == 0)
    {
      for (guint r = 0; r < corpus->lowered->len; r++)
        n += strstr (g_ptr_array_index (corpus->lowered, r), word) != NULL;
      g_hash_table_insert (corpus->tickets.table,
                           g_string_chunk_insert (corpus->tickets.strings, word),
                           GUINT_TO_POINTER (n + 1));
      return n;
    }
  return n - 1;
}

/* A value from the allowed list: the one whose description the ticket echoes most. Words
 * most tickets have ("seats" in every customer line) say nothing about one. */
static const char *
choose_value (Writer     *w,
              Column     *column,
              guint       index,
              Record     *record,
              Corpus     *corpus)
{
  const char *text = g_ptr_array_index (corpus->lowered, index);
  double best = -1;
  const char *chosen = NULL;

  for (guint v = 0; v < column->values->len; v++)
    {
      const char *value = g_ptr_array_index (column->values, v);
      g_auto(GStrv) words = g_strsplit_set (g_ptr_array_index (column->descriptions, v),
                                            " ,.;:()", -1);
      double score = tb_rng_double (&w->rng) * 0.5;

      if (strstr (text, value) != NULL)
        score += 2;
      for (guint k = 0; words[k] != NULL; k++)
        if (strlen (words[k]) >= 4 && strstr (text, words[k]) != NULL
            && tickets_with (corpus, words[k]) * 2 <= corpus->lowered->len)
          score += 1;
      if (g_str_equal (value, "angry") && (strstr (record->text, "!!") != NULL
                                           || strstr (text, "unacceptable") != NULL))
        score += 3;
      if (g_str_equal (value, "negative") && (strstr (text, "not ") != NULL
                                              || strstr (text, "can't") != NULL
                                              || strstr (text, "still") != NULL))
        score += 1.5;
      if (g_str_equal (value, "positive") && (strstr (text, "thank") != NULL
                                              || strstr (text, "love") != NULL))
        score += 1;
      if (score > best)
        {
          best = score;
          chosen = value;
        }
    }
  return chosen != NULL ? chosen : "";
}

static void
append_field (GString    *row,
              const char *field,
              gboolean    quote_as_needed)
{
  if (row->len > 0 && row->str[row->len - 1] != '\n')
    g_string_append_c (row, ',');
  if (quote_as_needed && strpbrk (field, ",\"\n\r") != NULL)
    {
      g_autofree char *doubled = replace_all (field, "\"", "\"\"");

      g_string_append_printf (row, "\"%s\"", doubled);
    }
  else
    g_string_append (row, field);
}

static char *
write_csv (Writer *w)
{
  g_autoptr(GPtrArray) columns = read_header (w->task);
  g_autoptr(GPtrArray) records = read_records (w->input);
  g_autoptr(GString) out = g_string_new (NULL);
  gint slip_row = w->slip && records->len > 0 && chance (w, 0.6)
                  ? (gint) tb_rng_below (&w->rng, records->len) : -1;
  Corpus corpus = { g_ptr_array_new_with_free_func (g_free) };

  counts_init (&corpus.tickets);
  for (guint r = 0; r < records->len; r++)
    g_ptr_array_add (corpus.lowered,
                     g_utf8_strdown (((Record *) g_ptr_array_index (records, r))->text, -1));

  for (guint c = 0; c < columns->len; c++)
    append_field (out, ((Column *) g_ptr_array_index (columns, c))->name, TRUE);
  g_string_append_c (out, '\n');

  for (guint r = 0; r < records->len; r++)
    {
      Record *record = g_ptr_array_index (records, r);

      for (guint c = 0; c < columns->len; c++)
        {
          Column *column = g_ptr_array_index (columns, c);
          g_autofree char *value = NULL;
          gboolean prose = name_has (column->name, prose_names);

          if (c == 0 || g_str_has_suffix (column->name, "id"))
            value = g_strdup (record->id);
          else if (column->values != NULL && column->values->len > 0)
            value = g_strdup (choose_value (w, column, r, record, &corpus));
          else
            value = record_summary (w, record);

          if (prose && !w->tagged)
            {
              char *tagged = g_strconcat (value, " " TAG_PLACEHOLDER, NULL);

              g_free (value);
              value = tagged;
              w->tagged = TRUE;
            }
          /* The classic slip: a comma in a field nobody quoted. */
          if (prose && (gint) r == slip_row)
            {
              char *broken = g_strconcat (value, ", see the ticket", NULL);

              g_free (value);
              value = broken;
              w->slipped = TRUE;
              append_field (out, value, FALSE);
            }
          else
            append_field (out, value, TRUE);
        }
      g_string_append_c (out, '\n');
    }
  g_ptr_array_unref (corpus.lowered);
  counts_clear (&corpus.tickets);
  return g_strdup (out->str);
}

/* ---------------------------------------------------------------------------------------- */
/* Plain text and Markdown                                                                   */

static char *
write_prose (Writer   *w,
             gboolean  markdown)
{
  g_autoptr(GString) out = g_string_new (NULL);
  guint n = CLAMP (sentences_for (w, (guint) floor (2 + w->model->verbosity * 3 + 0.5)), 2, 8);

  if (markdown)
    g_string_append (out, w->german ? "## Zusammenfassung\n\n" : "## Summary\n\n");
  for (guint i = 0; i < n; i++)
    {
      const char *sentence = w->leads->len > 0 && w->next_lead < w->leads->len
                             ? next_from (w->leads, &w->next_lead) : next_sentence (w);

      g_string_append_printf (out, markdown ? "- %s\n" : "%s ", sentence);
    }
  g_strchomp (out->str);
  g_string_set_size (out, strlen (out->str));
  g_string_append (out, "\n\n" TAG_PLACEHOLDER "\n");
  w->tagged = TRUE;
  return g_strdup (out->str);
}

/* ---------------------------------------------------------------------------------------- */
/* Reading the prompt                                                                        */

/* The input of an executor prompt (tb_prompt_executor): between its <input> line and the
 * last </input> line. Anything else is all input. */
static char *
prompt_input (const char  *user,
              const char **input_start)
{
  const char *open = strstr (user, "\n<input>\n");
  const char *close = g_strrstr (user, "\n</input>");

  if (open == NULL || close == NULL || close < open + strlen ("\n<input>"))
    {
      *input_start = user;
      return g_strdup (user);
    }
  *input_start = open;
  open += strlen ("\n<input>\n");
  return g_strndup (open, close + 1 - open);
}

typedef enum {
  FORMAT_TEXT,
  FORMAT_MARKDOWN,
  FORMAT_CSV,
  FORMAT_JSON,
} Format;

/* The format an executor prompt ends by asking for. */
static Format
prompt_format (const char *user)
{
  const char *ask = g_strrstr (user, "Answer with only the output, in ");

  if (ask == NULL)
    return FORMAT_TEXT;
  ask += strlen ("Answer with only the output, in ");
  if (g_str_has_prefix (ask, "JSON"))
    return FORMAT_JSON;
  if (g_str_has_prefix (ask, "CSV"))
    return FORMAT_CSV;
  if (g_str_has_prefix (ask, "Markdown"))
    return FORMAT_MARKDOWN;
  return FORMAT_TEXT;
}

/* The schema the prompt states ("The JSON must validate against this JSON Schema:"), for a
 * request that did not send it as response_format. */
static JsonNode *
prompt_schema (const char *task)
{
  const char *start = strstr (task, "The JSON must validate against this JSON Schema:\n");
  gboolean in_string = FALSE;
  int depth = 0;

  if (start == NULL)
    return NULL;
  start = strchr (start, '\n') + 1;
  for (const char *p = start; *p != '\0'; p++)
    {
      if (in_string)
        {
          if (*p == '\\' && p[1] != '\0')
            p++;
          else if (*p == '"')
            in_string = FALSE;
          continue;
        }
      if (*p == '"')
        in_string = TRUE;
      else if (*p == '{' || *p == '[')
        depth++;
      else if ((*p == '}' || *p == ']') && --depth == 0)
        return tb_json_parse (start, p + 1 - start, "schema", NULL);
    }
  return NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* Candidates                                                                                */

static guint64
mix (guint64 a,
     guint64 b)
{
  return (a ^ (b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2))) * 0xff51afd7ed558ccdULL;
}

static char *
candidate_answer (const TbDemoModel   *model,
                  const TbDemoRequest *request,
                  guint                repeat)
{
  Writer w = { 0 };
  TbRng difficulty;
  g_autofree char *input = NULL;
  g_autofree char *task = NULL;
  g_autofree char *tag = NULL;
  g_autofree char *content = NULL;
  g_autoptr(JsonNode) stated_schema = NULL;
  const char *input_start = NULL;
  JsonNode *schema = request->schema;
  Format format = prompt_format (request->user);
  double quality;
  guint64 input_seed;
  char *answer;

  input = prompt_input (request->user, &input_start);
  /* The answer's true quality: the model's mean, the input's difficulty (the same for every
   * model), and this answer's own luck (another draw on every repeat). Seeded by the input
   * itself, not the prompt around it, so that the same input gets the same first answers
   * whatever the wording of the instructions. */
  input_seed = tb_rng_seed_from_string (input);
  tb_rng_init (&difficulty, mix (input_seed, 0x64656d6fULL));
  tb_rng_init (&w.rng, mix (mix (tb_rng_seed_from_string (model->id), input_seed), repeat));
  w.luck = tb_rng_normal (&w.rng);
  quality = model->quality + DIFFICULTY_SD * tb_rng_normal (&difficulty) + model->spread * w.luck;
  w.slip = chance (&w, model->slip);

  task = g_strndup (request->user, input_start - request->user);
  w.model = model;
  w.input = input;
  w.task = task;
  counts_init (&w.counts);
  for_each_word (input, count_word, &w.counts);
  w.german = looks_german (&w.counts);
  w.paragraphs = read_paragraphs (input);
  w.sentences = g_ptr_array_new_with_free_func (g_free);
  w.leads = g_ptr_array_new_with_free_func (g_free);
  /* A transcript's sentences paragraph by paragraph, so that a chapter finds its own. */
  for (guint p = 0; p < w.paragraphs->len; p++)
    {
      Paragraph *paragraph = g_ptr_array_index (w.paragraphs, p);

      paragraph->first_sentence = w.sentences->len;
      split_sentences (paragraph->text, w.sentences, NULL);
      paragraph->n_sentences = w.sentences->len - paragraph->first_sentence;
    }
  if (w.paragraphs->len == 0)
    split_sentences (input, w.sentences, w.leads);
  w.people = read_people (input);
  w.has_date = read_date (input, &w.date);
  find_commitments (&w);

  if (schema == NULL && format == FORMAT_JSON)
    schema = stated_schema = prompt_schema (task);

  if (schema != NULL && JSON_NODE_HOLDS_OBJECT (schema))
    {
      Place place = { -1, NULL, -1 };
      g_autoptr(JsonNode) root = NULL;

      plan_chapters (&w);
      root = instance (&w, json_node_get_object (schema), "", &place);
      if (!w.tagged && JSON_NODE_HOLDS_OBJECT (root)
          && tb_json_get_bool (json_node_get_object (schema), "additionalProperties", TRUE))
        {
          json_object_set_string_member (json_node_get_object (root), "note", TAG_PLACEHOLDER);
          w.tagged = TRUE;
        }
      content = tb_json_to_string (root, TRUE);
    }
  else if (format == FORMAT_JSON || request->json_object)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *summary = summary_text (&w);

      json_builder_begin_object (builder);
      tb_json_add_string (builder, "answer", summary);
      tb_json_add_string (builder, "note", TAG_PLACEHOLDER);
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      content = tb_json_to_string (root, TRUE);
      w.tagged = TRUE;
    }
  else if (format == FORMAT_CSV)
    content = write_csv (&w);
  else
    content = write_prose (&w, format == FORMAT_MARKDOWN);

  if (w.slipped)
    quality -= SLIP_PENALTY;
  quality = CLAMP (round_to (quality, 0.1), 0, 10);
  tag = g_strdup_printf (TB_DEMO_TAG_FORMAT, quality);
  answer = replace_all (content, TAG_PLACEHOLDER, tag);
  writer_clear (&w);
  return answer;
}

/* ---------------------------------------------------------------------------------------- */
/* Judges                                                                                    */

gboolean
tb_demo_read_tag (const char *text,
                  double     *quality)
{
  static GRegex *regex_once;
  GRegex *regex = cached_regex (&regex_once, "\\[simulated answer (?:·|\\\\u00b7) quality "
                                         "(\\d{1,2}(?:\\.\\d)?)/10\\]", 0);
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *number = NULL;

  g_return_val_if_fail (text != NULL, FALSE);

  if (!g_regex_match (regex, text, 0, &match))
    return FALSE;
  number = g_match_info_fetch (match, 1);
  if (quality != NULL)
    *quality = g_ascii_strtod (number, NULL);
  return TRUE;
}

/* The boundary of a judge prompt's quoted texts (tb_prompt_judge_user). */
static char *
judge_boundary (const char *user)
{
  const char *opening = "The boundary of the quoted texts in this message is ";
  const char *start;

  if (!g_str_has_prefix (user, opening))
    return NULL;
  start = user + strlen (opening);
  return g_strndup (start, strcspn (start, ". \n"));
}

/* The text quoted between the lines "BEGIN <what> <boundary>" and "END <what> <boundary>":
 * only the call's own boundary opens and closes it, so nothing inside an output (a forged
 * END line, another tag) can end it early or pass for TaskBench's text. */
static char *
quoted_block (const char *user,
              const char *what,
              const char *boundary)
{
  g_autofree char *begin = g_strdup_printf ("BEGIN %s %s\n", what, boundary);
  g_autofree char *end = g_strdup_printf ("END %s %s", what, boundary);
  const char *start = NULL;
  const char *p;

  for (p = strstr (user, begin); p != NULL; p = strstr (p + 1, begin))
    if (p == user || p[-1] == '\n')
      {
        start = p + strlen (begin);
        break;
      }
  if (start == NULL)
    return NULL;
  for (p = strstr (start, end); p != NULL; p = strstr (p + 1, end))
    {
      if (p[strlen (end)] != '\0' && p[strlen (end)] != '\n')
        continue;
      if (p == start)
        return g_strdup ("");
      if (p[-1] == '\n')
        return g_strndup (start, p - 1 - start);
    }
  return NULL;
}

/* The criteria a pointwise answer scores: the request schema's, else the rubric lines of
 * the system prompt ("- accuracy (weight 35)"), else one "overall". */
static GPtrArray *
judge_criteria (const TbDemoRequest *request)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  JsonObject *schema = request->schema != NULL && JSON_NODE_HOLDS_OBJECT (request->schema)
                       ? json_node_get_object (request->schema) : NULL;
  JsonObject *criteria = tb_json_get_object (tb_json_get_object (tb_json_get_object (
                           schema, "properties"), "criteria"), "properties");

  if (criteria != NULL)
    {
      g_autoptr(GList) members = json_object_get_members (criteria);

      for (GList *l = members; l != NULL; l = l->next)
        g_ptr_array_add (names, g_strdup (l->data));
    }
  else if (request->system != NULL)
    {
      static GRegex *line_once;
  GRegex *line = cached_regex (&line_once, "^- (.+) \\(weight [0-9.eE+-]+\\)", G_REGEX_MULTILINE);
      g_autoptr(GMatchInfo) match = NULL;

      g_regex_match (line, request->system, 0, &match);
      for (; g_match_info_matches (match); g_match_info_next (match, NULL))
        g_ptr_array_add (names, g_match_info_fetch (match, 1));
    }
  if (names->len == 0)
    g_ptr_array_add (names, g_strdup ("overall"));
  return names;
}

/* The findings of TaskBench's format check that the prompt states (outside the quotes). */
static GPtrArray *
format_violations (const char *user)
{
  GPtrArray *violations = g_ptr_array_new_with_free_func (g_free);
  const char *check = strstr (user, "\nFormat check: failed —\n");

  if (check == NULL)
    return violations;
  check = strchr (check + 1, '\n') + 1;
  while (g_str_has_prefix (check, "- "))
    {
      gsize length = strcspn (check + 2, "\n");

      g_ptr_array_add (violations, g_strdup_printf ("format check: %.*s", (int) length,
                                                    check + 2));
      check += 2 + length;
      if (*check == '\n')
        check++;
    }
  return violations;
}

static double
length_bias (const TbDemoModel *judge,
             glong              length)
{
  return judge->judge_length_bias * log2 (MAX (length, 50) / (double) TB_DEMO_NEUTRAL_LENGTH);
}

static char *
judge_pointwise (const TbDemoModel   *judge,
                 const TbDemoRequest *request)
{
  g_autofree char *boundary = judge_boundary (request->user);
  g_autofree char *output = boundary != NULL ? quoted_block (request->user, "OUTPUT", boundary)
                                             : NULL;
  g_autoptr(GPtrArray) criteria = judge_criteria (request);
  g_autoptr(GPtrArray) violations = format_violations (request->user);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *reasoning = NULL;
  g_autofree char *length_text = NULL;
  double quality = UNTAGGED_QUALITY;
  gboolean tagged = output != NULL && tb_demo_read_tag (output, &quality);
  glong length = output != NULL ? g_utf8_strlen (output, -1) : 0;
  double bias = length_bias (judge, length);
  TbRng rng;

  /* The same output gets the same scores from the same judge, whatever the boundary. */
  tb_rng_init (&rng, mix (tb_rng_seed_from_string (judge->id),
                          tb_rng_seed_from_string (output != NULL ? output : "")));
  length_text = g_strdup_printf ("%ld", length);
  if (tagged)
    reasoning = g_strdup_printf ("Simulated judge: the answer states its true quality, %.1f/10. "
                                 "Each criterion gets that, plus this judge's noise (±%.1f), "
                                 "plus %+.1f for the answer's length of %s characters (its "
                                 "disclosed bias: %+.1f per doubling of length beyond %d).",
                                 quality, judge->judge_noise, bias, length_text,
                                 judge->judge_length_bias, TB_DEMO_NEUTRAL_LENGTH);
  else
    reasoning = g_strdup_printf ("Simulated judge: the output carries no simulated-answer tag, "
                                 "so its quality is unknown to this judge and taken as "
                                 "%.0f/10, with noise and length bias as for any answer.",
                                 UNTAGGED_QUALITY);

  json_builder_begin_object (builder);
  tb_json_add_string (builder, "reasoning", reasoning);
  json_builder_set_member_name (builder, "criteria");
  json_builder_begin_object (builder);
  for (guint c = 0; c < criteria->len; c++)
    {
      double score = quality + judge->judge_noise * tb_rng_normal (&rng) + bias;

      /* Whole or half points, as the judge's instructions ask. */
      tb_json_add_double (builder, g_ptr_array_index (criteria, c),
                          CLAMP (round_to (score, 0.5), 0, 10));
    }
  json_builder_end_object (builder);
  g_ptr_array_add (violations, NULL);
  tb_json_add_strv (builder, "violations", (const char * const *) violations->pdata);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return tb_json_to_string (root, FALSE);
}

static char *
judge_pairwise (const TbDemoModel   *judge,
                const TbDemoRequest *request)
{
  g_autofree char *boundary = judge_boundary (request->user);
  g_autofree char *a = boundary != NULL ? quoted_block (request->user, "OUTPUT A", boundary)
                                        : NULL;
  g_autofree char *b = boundary != NULL ? quoted_block (request->user, "OUTPUT B", boundary)
                                        : NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *reasoning = NULL;
  double quality_a = UNTAGGED_QUALITY, quality_b = UNTAGGED_QUALITY;
  glong length_a = a != NULL ? g_utf8_strlen (a, -1) : 0;
  glong length_b = b != NULL ? g_utf8_strlen (b, -1) : 0;
  double score_a, score_b;
  const char *winner;
  TbRng rng;

  if (a != NULL)
    tb_demo_read_tag (a, &quality_a);
  if (b != NULL)
    tb_demo_read_tag (b, &quality_b);
  /* Seeded by the order too: close pairs may go either way in the two orders, which the
   * verdict counts as inconsistent, as it would a real judge's. */
  tb_rng_init (&rng, mix (mix (tb_rng_seed_from_string (judge->id),
                               tb_rng_seed_from_string (a != NULL ? a : "")),
                          tb_rng_seed_from_string (b != NULL ? b : "")));
  score_a = quality_a + judge->judge_noise * tb_rng_normal (&rng) + length_bias (judge, length_a);
  score_b = quality_b + judge->judge_noise * tb_rng_normal (&rng) + length_bias (judge, length_b);
  winner = fabs (score_a - score_b) < PAIRWISE_TIE ? "tie" : score_a > score_b ? "A" : "B";
  reasoning = g_strdup_printf ("Simulated judge: output A states quality %.1f/10 and output B "
                               "%.1f/10. With this judge's noise and its disclosed length bias "
                               "(A has %ld characters, B %ld) they come to %.1f and %.1f: %s.",
                               quality_a, quality_b, length_a, length_b, score_a, score_b,
                               g_str_equal (winner, "tie") ? "a tie"
                               : g_str_equal (winner, "A") ? "A is better" : "B is better");

  json_builder_begin_object (builder);
  tb_json_add_string (builder, "reasoning", reasoning);
  tb_json_add_string (builder, "winner", winner);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return tb_json_to_string (root, FALSE);
}

char *
tb_demo_answer (const TbDemoModel   *model,
                const TbDemoRequest *request,
                guint                repeat)
{
  g_return_val_if_fail (model != NULL, NULL);
  g_return_val_if_fail (request != NULL && request->user != NULL, NULL);

  /* A judge is asked by the schema's name, or, without one, by the shape of its prompt. */
  if (g_strcmp0 (request->schema_name, "pairwise") == 0)
    return judge_pairwise (model, request);
  if (g_strcmp0 (request->schema_name, "judgment") == 0)
    return judge_pointwise (model, request);
  if (g_str_has_prefix (request->user, "The boundary of the quoted texts in this message is "))
    {
      g_autofree char *boundary = judge_boundary (request->user);
      g_autofree char *line = g_strdup_printf ("\nBEGIN OUTPUT A %s\n", boundary);

      if (strstr (request->user, line) != NULL)
        return judge_pairwise (model, request);
      return judge_pointwise (model, request);
    }
  return candidate_answer (model, request, repeat);
}
