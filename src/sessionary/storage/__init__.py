"""The only package that imports SQLAlchemy: tables, engines, repositories, migrations."""
