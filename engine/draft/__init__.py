"""``resolute draft``: from the decree as the secretary receives it (Word or text) to a commented
resolution YAML that ``resolute validate`` accepts once every addressee is matched.

reading (text encodings, Word numbering in ``word``) → header → clauses (the operative part) →
deadlines and addressees (each clause) → writer. ``run`` ties them for the command line."""
